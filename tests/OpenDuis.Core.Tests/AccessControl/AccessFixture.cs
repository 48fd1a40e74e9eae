using System.Xml;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.TestSupport;

namespace OpenDuis.Core.Tests.AccessControl;

/// <summary>
/// A pipeline over the demo environment (the Users and Devices the RTDS templates name, plus SMETS1
/// Devices), a fresh request log and a clock standing at <see cref="Now"/>.
/// </summary>
internal sealed class AccessFixture
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static readonly Eui Smets1Esme = Eui.Parse("00-DB-12-34-56-78-91-A0");
    public static readonly Eui Smets1Gsme = Eui.Parse("00-DB-12-34-56-78-91-A1");
    public static readonly Eui Smets1Chf = Eui.Parse("00-DB-12-34-56-78-91-A2");
    public static readonly Eui Smets1Gpf = Eui.Parse("00-DB-12-34-56-78-91-A3");
    public static readonly Eui Smets1Ppmid = Eui.Parse("00-DB-12-34-56-78-91-A4");

    public InMemoryAccessSnapshot Snapshot { get; } = InMemoryAccessSnapshot.Demo();
    public InMemoryRequestLog Log { get; } = new();
    public FakeTimeProvider Clock { get; } = new(Now);
    public AccessPipeline Pipeline { get; }

    public AccessFixture()
    {
        Pipeline = new AccessPipeline(Snapshot, Log, Clock);
        foreach (var role in UserRoles.All) Snapshot.Put(UserFor(role));
    }

    /// <summary>A User ID holding only <paramref name="role"/>, of the demo Party a role of its kind belongs to.</summary>
    public static ServiceUser UserFor(UserRole role) => new()
    {
        Id = new Eui(0x90B3D51F30AA0000UL + (ulong)role),
        Party = role switch
        {
            _ when role.IsSupplier() => DemoEnvironment.SupplierParty,
            _ when role.IsNetworkOperator() => DemoEnvironment.NetworkOperatorParty,
            UserRole.OtherUser => DemoEnvironment.LoadControllerParty,
            _ => PartyId.Parse("DEMO-" + role.Code()),
        },
        Roles = new HashSet<UserRole> { role },
        Status = UserStatus.Active,
    };

    public static Eui UserId(UserRole role) => UserFor(role).Id;

    public static IEnumerable<Device> Devices(DeviceGeneration generation) => DemoEnvironment.Devices.Where(d => d.Generation == generation);

    /// <summary>
    /// Every device request the role may send that the demo environment accepts: (variant, Device,
    /// CV), found by running the pipeline without admitting.
    /// </summary>
    public IEnumerable<(ServiceRequestDefinition Definition, Device Device, CommandVariant Cv)> Accepted(UserRole role, DeviceGeneration generation)
    {
        foreach (var definition in ServiceCatalogue.All.Where(d => !d.NonDevice && d.IsEligible(role, generation)))
        foreach (var device in Devices(generation).Where(d => definition.Targets(d.Type)))
        foreach (var cv in definition.CommandVariants)
        {
            var request = Request(definition.Variant.ToString(), UserId(role), device.Id, cv);
            if (Pipeline.Evaluate(new AccessRequest(request, cv.WebService())).IsAccepted)
                yield return (definition, device, cv);
        }
    }

    /// <summary>The first accepted device request of the role to a Device of the generation (CV 1 or 4 preferred).</summary>
    public (ServiceRequestDefinition Definition, Device Device, CommandVariant Cv) AcceptedRequest(UserRole role, DeviceGeneration generation) =>
        Accepted(role, generation).OrderBy(a => a.Cv is CommandVariant.SendNonCritical or CommandVariant.TransformCritical ? 0 : 1).First();

    private ulong _counter = 5000;

    public ulong NextCounter() => ++_counter;

    /// <summary>Runs the pipeline (admitting accepted requests) on the service the request's CV belongs to unless told otherwise.</summary>
    public AccessDecision Decide(DuisRequest request, WebService? service = null, Authentication authentication = Authentication.Verified, Eui? signer = null) =>
        Pipeline.Decide(new AccessRequest(request, service ?? request.CommandVariant.WebService(), authentication, signer));

    /// <summary>A request built from the catalogue: the variant's (empty) body element, or a Signed Pre-Command for CV 5–7.</summary>
    public DuisRequest Request(string variant, Eui originator, Eui target, CommandVariant? cv = null, ulong? counter = null,
        bool? firstInSequence = null, RequestId? preceding = null, XmlElement? body = null)
    {
        var definition = ServiceCatalogue.Get(ServiceReferenceVariant.Parse(variant));
        var commandVariant = cv ?? definition.CommandVariants[0];
        var id = new RequestId(originator, definition.NonDevice ? DemoEnvironment.AccessControlBroker : target, counter ?? NextCounter());
        if (commandVariant.TakesSignedPreCommand() && body is null)
        {
            var code = definition.Gbcs.SelectMany(g => g.MessageCodes).FirstOrDefault();
            return DuisRequest.CreateSignedPreCommand(DuisSchemaVersion.V5_4, id, commandVariant, definition.Variant,
                new SignedPreCommand(PreCommand(originator, target, code)), firstInSequence, preceding);
        }
        body ??= Body(definition.BodyElement);
        return DuisRequest.Create(DuisSchemaVersion.V5_4, id, commandVariant, definition.Variant, body, firstInSequence, preceding);
    }

    public static XmlElement Body(string localName, string? innerXml = null)
    {
        var doc = new XmlDocument();
        var e = doc.CreateElement("sr", localName, DuisNamespaces.ServiceUserGateway);
        if (innerXml is not null)
        {
            var fragment = doc.CreateDocumentFragment();
            fragment.InnerXml = $"<w xmlns:sr=\"{DuisNamespaces.ServiceUserGateway}\">{innerXml}</w>";
            foreach (var child in fragment.FirstChild!.ChildNodes.Cast<XmlNode>().ToList()) e.AppendChild(child);
        }
        doc.AppendChild(e);
        return e;
    }

    /// <summary>A GBCS General Signing header (GBCS 4.3.1) with the given Message Code and a short payload.</summary>
    public static byte[] PreCommand(Eui originator, Eui recipient, ushort messageCode)
    {
        var bytes = new List<byte> { 0xDF, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0x03, 0xEE, 0x08 };
        bytes.AddRange(originator.ToBytes());
        bytes.Add(0x08);
        bytes.AddRange(recipient.ToBytes());
        bytes.AddRange([0x00, 0x02, (byte)(messageCode >> 8), (byte)messageCode, 0xD9, 0x20, 0x00]);
        return [.. bytes];
    }

    /// <summary>An RTDS template (placeholder signature: access control reads the verdict of verification, not the signature).</summary>
    public static DuisRequest Template(string fileName, Func<string, string>? edit = null)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Templates, fileName));
        if (edit is not null) text = edit(text);
        var doc = new XmlDocument { XmlResolver = null, PreserveWhitespace = true };
        doc.LoadXml(text);
        return DuisRequest.Read(doc);
    }
}
