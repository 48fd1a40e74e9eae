using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Demo;

/// <summary>
/// The state a fresh OpenDUIS starts with: the Users and Devices the RTDS DUIS request templates
/// name, so each template is a valid request out of the box, plus a set of SMETS1 Devices behind a
/// SMETS1 Service Provider. Seeding is idempotent: it adds or replaces these records only.
/// </summary>
public static class DemoEnvironment
{
    /// <summary>The DCC Access Control Broker: the target of Non-Device requests and the DCC's signer.</summary>
    public static readonly Eui AccessControlBroker = Eui.Parse("90-B3-D5-1F-30-00-00-02");

    public static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    /// <summary>A second User ID of the supplier Party (the templates' "supplier2" signer).</summary>
    public static readonly Eui SupplierSecondUser = Eui.Parse("90-B3-D5-1F-30-03-00-00");
    public static readonly Eui NetworkOperator = Eui.Parse("90-B3-D5-1F-30-02-00-00");
    /// <summary>The templates' load controller (Limit APC Level, SR 7.16); no SEC User Role covers it yet, so Other User.</summary>
    public static readonly Eui LoadController = Eui.Parse("90-B3-D5-1F-30-01-00-08");
    public static readonly Eui Smets1ServiceProvider = Protocol.Keys.DemoKeySet.Smets1ServiceProviderEui;

    /// <summary>
    /// One User ID per User Role, each holding that role alone (90-B3-D5-1F-30-10-00-01 … -08 in the
    /// order of <see cref="UserRoles.All"/>): what the Appendix R 8.1.26 Response Code tests are run as,
    /// role by role, so that no other role of the same User ID changes the answer.
    /// </summary>
    public static IReadOnlyDictionary<UserRole, Eui> RoleUsers { get; } =
        UserRoles.All.Select((role, i) => (role, id: new Eui(0x90B3D51F30100001UL + (ulong)i))).ToDictionary(x => x.role, x => x.id);

    public static readonly PartyId DccParty = PartyId.Parse("DCC");
    public static readonly PartyId SupplierParty = PartyId.Parse("DEMO-SUPPLIER");
    public static readonly PartyId NetworkOperatorParty = PartyId.Parse("DEMO-NETWORK-OPERATOR");
    public static readonly PartyId LoadControllerParty = PartyId.Parse("DEMO-LOAD-CONTROLLER");
    public static readonly PartyId SupplierAgentParty = PartyId.Parse("DEMO-SUPPLIER-AGENT");
    public static readonly PartyId MeterDataRetrieverParty = PartyId.Parse("DEMO-METER-DATA-RETRIEVER");

    public static readonly Eui Esme = Eui.Parse("00-DB-12-34-56-78-90-A0");
    public static readonly Eui Gsme = Eui.Parse("00-DB-12-34-56-78-90-A1");
    public static readonly Eui CommsHub = Eui.Parse("00-DB-12-34-56-78-90-A2");
    public static readonly Eui GasProxy = Eui.Parse("00-DB-12-34-56-78-90-A3");
    public static readonly Eui Ppmid = Eui.Parse("00-DB-12-34-56-78-90-A4");
    public static readonly Eui Hcalcs = Eui.Parse("00-DB-12-34-56-78-90-A5");
    /// <summary>A second ESME, with Auxiliary Proportional Controllers (the templates' APC requests).</summary>
    public static readonly Eui EsmeWithApc = Eui.Parse("00-DB-12-34-56-78-90-A6");

    public static readonly Mpxn ElectricityMpan = Mpxn.MpanFromTwelveDigits(1_012_345_678_90);
    public static readonly Mpxn SecondMpan = Mpxn.MpanFromTwelveDigits(1_012_345_678_91);
    public static readonly Mpxn GasMprn = Mpxn.Parse("1234567890");
    public static readonly Mpxn Smets1Mpan = Mpxn.MpanFromTwelveDigits(1_912_345_678_90);
    public static readonly Mpxn Smets1Mprn = Mpxn.Parse("1234567891");

    /// <summary>Registrations in the demo start here, long before any request a template makes.</summary>
    public static readonly DateTimeOffset Since = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<Party> Parties { get; } =
    [
        new(DccParty, "Data Communications Company", IsDcc: true),
        new(SupplierParty, "Demo Supplier"),
        new(NetworkOperatorParty, "Demo Network Operator"),
        new(LoadControllerParty, "Demo Load Controller"),
        new(SupplierAgentParty, "Demo Registered Supplier Agent"),
        new(MeterDataRetrieverParty, "Demo Meter Data Retriever"),
    ];

    public static IReadOnlyList<ServiceUser> Users { get; } =
    [
        User(AccessControlBroker, DccParty),
        User(Supplier, SupplierParty, UserRole.ImportSupplier, UserRole.ExportSupplier, UserRole.GasSupplier),
        User(SupplierSecondUser, SupplierParty, UserRole.ImportSupplier, UserRole.GasSupplier),
        User(NetworkOperator, NetworkOperatorParty, UserRole.ElectricityDistributor, UserRole.GasTransporter),
        User(LoadController, LoadControllerParty, UserRole.OtherUser),
        .. RoleUsers.Select(r => User(r.Value, r.Key switch
        {
            _ when r.Key.IsSupplier() => SupplierParty,
            _ when r.Key.IsNetworkOperator() => NetworkOperatorParty,
            UserRole.RegisteredSupplierAgent => SupplierAgentParty,
            UserRole.MeterDataRetriever => MeterDataRetrieverParty,
            _ => LoadControllerParty,
        }, r.Key)),
    ];

    public static IReadOnlyList<CplEntry> Products { get; } =
    [
        Product("ESME", DeviceType.ESME, "SMETS2 V5.0"),
        Product("GSME", DeviceType.GSME, "SMETS2 V5.0"),
        Product("CHF", DeviceType.CHF, "CHTS V1.4"),
        Product("GPF", DeviceType.GPF, "CHTS V1.4"),
        Product("PPMID", DeviceType.PPMID, "SMETS2 V5.0"),
        Product("HCALCS", DeviceType.HCALCS, "SMETS2 V5.0"),
    ];

    public static IReadOnlyList<Device> Devices { get; } =
    [
        Smets2(Esme, DeviceType.ESME, ElectricityMpan),
        Smets2(Gsme, DeviceType.GSME, GasMprn),
        Smets2(CommsHub, DeviceType.CHF, ElectricityMpan) with { HanVariant = Inventory.HanVariant.DualBand },
        Smets2(GasProxy, DeviceType.GPF, GasMprn),
        Smets2(Ppmid, DeviceType.PPMID, ElectricityMpan),
        Smets2(Hcalcs, DeviceType.HCALCS, ElectricityMpan),
        Smets2(EsmeWithApc, DeviceType.ESME, SecondMpan),
        Smets1(Eui.Parse("00-DB-12-34-56-78-91-A0"), DeviceType.ESME, Smets1Mpan),
        Smets1(Eui.Parse("00-DB-12-34-56-78-91-A1"), DeviceType.GSME, Smets1Mprn),
        Smets1(Eui.Parse("00-DB-12-34-56-78-91-A2"), DeviceType.CHF, Smets1Mpan),
        Smets1(Eui.Parse("00-DB-12-34-56-78-91-A3"), DeviceType.GPF, Smets1Mprn),
        Smets1(Eui.Parse("00-DB-12-34-56-78-91-A4"), DeviceType.PPMID, Smets1Mpan),
    ];

    public static IReadOnlyList<RegistrationPeriod> Registrations { get; } =
    [
        .. new[] { ElectricityMpan, SecondMpan, GasMprn, Smets1Mpan, Smets1Mprn }.SelectMany(m => new RegistrationPeriod[]
        {
            new(m, RegisteredRole.Supplier, SupplierParty, Since),
            new(m, RegisteredRole.NetworkOperator, NetworkOperatorParty, Since),
        }),
    ];

    /// <summary>The Device Logs: each HAN Device joined to its hub (gas Devices to the GPF's log too).</summary>
    public static IReadOnlyList<DeviceLogEntry> DeviceLogs { get; } =
    [
        .. Devices.Where(d => d.CommsHub is { } hub && hub != d.Id && d.Type != DeviceType.GPF)
            .Select(d => new DeviceLogEntry(d.CommsHub!.Value, d.Id, Since)),
        new(GasProxy, Gsme, Since),
        new(GasProxy, Ppmid, Since),
    ];

    /// <summary>Adds or replaces the demo records; <paramref name="certificates"/> supplies each User's SMKI certificate references, if known.</summary>
    public static async Task SeedAsync(ISmiStore store, Func<Eui, IReadOnlyList<SmkiCertificateRef>>? certificates = null, CancellationToken cancellationToken = default)
    {
        foreach (var p in Parties) await store.SavePartyAsync(p, cancellationToken).ConfigureAwait(false);
        foreach (var u in Users)
        {
            var withCerts = certificates is null ? u : u with { Certificates = certificates(u.Id) };
            await store.SaveUserAsync(withCerts, cancellationToken).ConfigureAwait(false);
        }
        foreach (var p in Products) await store.SaveProductAsync(p, cancellationToken).ConfigureAwait(false);
        foreach (var d in Devices) await store.SaveDeviceAsync(d, cancellationToken).ConfigureAwait(false);
        foreach (var e in DeviceLogs) await store.AddToDeviceLogAsync(e, cancellationToken).ConfigureAwait(false);
        foreach (var r in Registrations) await store.RegisterAsync(r, cancellationToken).ConfigureAwait(false);
    }

    private static ServiceUser User(Eui id, PartyId party, params UserRole[] roles) => new()
    {
        Id = id,
        Party = party,
        Roles = roles.ToHashSet(),
        Status = UserStatus.Active,
        DuisVersion = "5.4",
    };

    private static CplEntry Product(string model, DeviceType type, string smetsChts) => new()
    {
        Manufacturer = "0DB1",
        Model = model,
        FirmwareVersion = "1.0",
        DeviceType = type,
        GbcsVersion = "4.2",
        SmetsChtsVersion = smetsChts,
        Status = CplStatus.Current,
    };

    private static Device Smets2(Eui id, DeviceType type, Mpxn mpxn) => new()
    {
        Id = id,
        Type = type,
        Generation = DeviceGeneration.Smets2Plus,
        Status = SmiStatus.Commissioned,
        Manufacturer = "0DB1",
        Model = type.ToString(),
        FirmwareVersion = "1.0",
        Region = CspRegion.Central,
        CommsHub = CommsHub,
        Mpxn = mpxn,
        Uprn = new Uprn(123456789012),
    };

    private static Device Smets1(Eui id, DeviceType type, Mpxn mpxn) => new()
    {
        Id = id,
        Type = type,
        Generation = DeviceGeneration.Smets1,
        Status = SmiStatus.Commissioned,
        Manufacturer = "0DB1",
        Model = "S1-" + type,
        FirmwareVersion = "1.0",
        Region = CspRegion.Smets1,
        HanVariant = type == DeviceType.CHF ? Inventory.HanVariant.SingleBand : null,
        CommsHub = Eui.Parse("00-DB-12-34-56-78-91-A2"),
        Mpxn = mpxn,
        Uprn = new Uprn(123456789013),
        Smets1ServiceProvider = Smets1ServiceProvider,
        // E64: the meters' Critical Supplier and Network Operator as notified to the DCC (the registered ones).
        Smets1NotifiedCriticalSupplier = type is DeviceType.ESME or DeviceType.GSME ? SupplierParty : null,
        Smets1NotifiedCriticalNetworkOperator = type is DeviceType.ESME or DeviceType.GSME ? NetworkOperatorParty : null,
    };
}
