using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>Conversions between domain values and column values.</summary>
internal static class Db
{
    private static readonly long EpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>An EUI-64 as a signed 64-bit key: the same bits, so ordering by key groups by prefix within each sign.</summary>
    public static long Key(Eui eui) => unchecked((long)eui.Value);
    public static long? Key(Eui? eui) => eui is { } e ? Key(e) : null;
    public static Eui Eui(long key) => new(unchecked((ulong)key));
    public static Eui? Eui(long? key) => key is { } k ? Eui(k) : null;

    public static long Micros(DateTimeOffset t) => (t.UtcTicks - EpochTicks) / TimeSpan.TicksPerMicrosecond;
    public static DateTimeOffset Time(long micros) => new(EpochTicks + micros * TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);

    public static T ParseEnum<T>(string text, string column) where T : struct, Enum =>
        Enum.TryParse<T>(text, out var value) ? value : throw new InvalidDataException($"Column {column} holds '{text}', not a {typeof(T).Name}.");
}

internal sealed class DeviceRow
{
    public long Id { get; set; }
    public string DeviceType { get; set; } = "";
    public string Generation { get; set; } = "";
    public string SmiStatus { get; set; } = "";
    public string? Manufacturer { get; set; }
    public string? Model { get; set; }
    public string? FirmwareVersion { get; set; }
    public string? CspRegion { get; set; }
    public string? HanVariant { get; set; }
    public long? CommsHub { get; set; }
    public string? Mpxn { get; set; }
    public long? Uprn { get; set; }
    public long? MeterAssetProvider { get; set; }
    public long? Smets1ServiceProvider { get; set; }
    public string? NotifiedCriticalSupplier { get; set; }
    public string? NotifiedCriticalNetworkOperator { get; set; }

    public static DeviceRow From(Device d) => new()
    {
        Id = Db.Key(d.Id),
        DeviceType = d.Type.ToString(),
        Generation = d.Generation.ToString(),
        SmiStatus = d.Status.ToString(),
        Manufacturer = d.Manufacturer,
        Model = d.Model,
        FirmwareVersion = d.FirmwareVersion,
        CspRegion = d.Region?.ToString(),
        HanVariant = d.HanVariant?.ToString(),
        CommsHub = Db.Key(d.CommsHub),
        Mpxn = d.Mpxn?.ToString(),
        Uprn = d.Uprn?.Value,
        MeterAssetProvider = Db.Key(d.MeterAssetProvider),
        Smets1ServiceProvider = Db.Key(d.Smets1ServiceProvider),
        NotifiedCriticalSupplier = d.Smets1NotifiedCriticalSupplier?.ToString(),
        NotifiedCriticalNetworkOperator = d.Smets1NotifiedCriticalNetworkOperator?.ToString(),
    };

    public Device ToDevice() => new()
    {
        Id = Db.Eui(Id),
        Type = Db.ParseEnum<DeviceType>(DeviceType, "device_type"),
        Generation = Db.ParseEnum<DeviceGeneration>(Generation, "generation"),
        Status = Db.ParseEnum<SmiStatus>(SmiStatus, "smi_status"),
        Manufacturer = Manufacturer,
        Model = Model,
        FirmwareVersion = FirmwareVersion,
        Region = CspRegion is null ? null : Db.ParseEnum<CspRegion>(CspRegion, "csp_region"),
        HanVariant = HanVariant is null ? null : Db.ParseEnum<HanVariant>(HanVariant, "han_variant"),
        CommsHub = Db.Eui(CommsHub),
        Mpxn = Mpxn is null ? null : Core.Inventory.Mpxn.Parse(Mpxn),
        Uprn = Uprn is { } u ? new Uprn(u) : null,
        MeterAssetProvider = Db.Eui(MeterAssetProvider),
        Smets1ServiceProvider = Db.Eui(Smets1ServiceProvider),
        Smets1NotifiedCriticalSupplier = NotifiedCriticalSupplier is null ? null : PartyId.Parse(NotifiedCriticalSupplier),
        Smets1NotifiedCriticalNetworkOperator = NotifiedCriticalNetworkOperator is null ? null : PartyId.Parse(NotifiedCriticalNetworkOperator),
    };
}

internal sealed class CplRow
{
    public string Manufacturer { get; set; } = "";
    public string Model { get; set; } = "";
    public string FirmwareVersion { get; set; } = "";
    public string DeviceType { get; set; } = "";
    public string GbcsVersion { get; set; } = "";
    public string SmetsChtsVersion { get; set; } = "";
    public string Status { get; set; } = "";

    public static CplRow From(CplEntry e) => new()
    {
        Manufacturer = e.Manufacturer,
        Model = e.Model,
        FirmwareVersion = e.FirmwareVersion,
        DeviceType = e.DeviceType.ToString(),
        GbcsVersion = e.GbcsVersion,
        SmetsChtsVersion = e.SmetsChtsVersion,
        Status = e.Status.ToString(),
    };

    public CplEntry ToEntry() => new()
    {
        Manufacturer = Manufacturer,
        Model = Model,
        FirmwareVersion = FirmwareVersion,
        DeviceType = Db.ParseEnum<DeviceType>(DeviceType, "device_type"),
        GbcsVersion = GbcsVersion,
        SmetsChtsVersion = SmetsChtsVersion,
        Status = Db.ParseEnum<CplStatus>(Status, "status"),
    };
}

internal sealed class PartyRow
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public bool IsDcc { get; set; }

    public Party ToParty() => new(PartyId.Parse(Id), Name, IsDcc);
}

internal sealed class UserRow
{
    public long Id { get; set; }
    public string Party { get; set; } = "";
    public string Status { get; set; } = "";
    public string? ResponseEndpoint { get; set; }
    public string DuisVersion { get; set; } = "";

    public ServiceUser ToUser(IEnumerable<UserRole> roles, IEnumerable<SmkiCertificateRef> certificates) => new()
    {
        Id = Db.Eui(Id),
        Party = PartyId.Parse(Party),
        Roles = roles.ToHashSet(),
        Status = Db.ParseEnum<UserStatus>(Status, "status"),
        ResponseEndpoint = ResponseEndpoint is null ? null : new Uri(ResponseEndpoint, UriKind.Absolute),
        DuisVersion = DuisVersion,
        Certificates = [.. certificates],
    };
}

internal sealed class CertificateRow
{
    public long UserId { get; set; }
    public string SerialNumber { get; set; } = "";
    public int RoleCode { get; set; }
    public string KeyUsage { get; set; } = "";
    public string? Name { get; set; }

    public SmkiCertificateRef ToRef() => new(SerialNumber, RoleCode, Db.ParseEnum<SmkiKeyUsage>(KeyUsage, "key_usage"), Name);
}

internal sealed class RegistrationRow
{
    public string Mpxn { get; set; } = "";
    public string Role { get; set; } = "";
    public string Party { get; set; } = "";
    public long EffectiveFrom { get; set; }
    public long? EffectiveTo { get; set; }

    public RegistrationPeriod ToPeriod(PartyId party) => new(
        Core.Inventory.Mpxn.Parse(Mpxn),
        Db.ParseEnum<RegisteredRole>(Role, "role"),
        party,
        Db.Time(EffectiveFrom),
        EffectiveTo is { } t ? Db.Time(t) : null);
}
