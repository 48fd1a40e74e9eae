using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Xml;
using System.Collections.Frozen;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Inventory;

/// <summary>
/// Reads the body of a Non-Device request that changes the inventory (8.3, 8.4, 8.6, 8.14.x, 12.2)
/// into its <see cref="InventoryRequest"/>, element by element as the 5.4 XSD orders them. Which
/// reader applies is the body element the catalogue names for the variant. A body it cannot read is
/// refused with the element at fault (the caller answers E49).
/// </summary>
internal static class InventoryRequestReader
{
    private static readonly FrozenDictionary<string, Func<XmlElement, InventoryRequest>> Readers = new Dictionary<string, Func<XmlElement, InventoryRequest>>
    {
        ["DecommissionDevice"] = e => new DecommissionDevice(DeviceId(e)),
        ["UpdateInventory"] = ReadUpdate,
        ["ServiceOptIn"] = ReadOptIn,
        ["CHFInstallSuccessSMWAN"] = e => ReadInstall(e, CommsHubStatusUpdateKind.InstallSuccess),
        ["CHFInstallSuccessNoSMWAN"] = e => ReadInstall(e, CommsHubStatusUpdateKind.InstallNoSmWan),
        ["CHFFaultReturn"] = e => new CommsHubStatusUpdate(DeviceId(e), CommsHubStatusUpdateKind.FaultReturn,
            OtherDeviceId: Eui(Required(e, "OtherDeviceID"), "OtherDeviceID")),
        ["CHFNoFaultReturn"] = e => new CommsHubStatusUpdate(DeviceId(e), CommsHubStatusUpdateKind.NoFaultReturn),
        ["DevicePrenotification"] = ReadPrenotification,
    }.ToFrozenDictionary();

    /// <summary>The catalogued Non-Device variants whose body this reads.</summary>
    public static IReadOnlyCollection<ServiceReferenceVariant> Variants { get; } =
        ServiceCatalogue.All.Where(d => d.NonDevice && Readers.ContainsKey(d.BodyElement)).Select(d => d.Variant).ToArray();

    /// <param name="body">The one element of sr:Body (<see cref="DuisRequest.Body"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">The variant is not an inventory request.</exception>
    public static bool TryRead(ServiceReferenceVariant variant, XmlElement body, [NotNullWhen(true)] out InventoryRequest? request, [NotNullWhen(false)] out string? problem)
    {
        if (!ServiceCatalogue.TryGet(variant, out var definition) || !Readers.TryGetValue(definition.BodyElement, out var read))
            throw new ArgumentOutOfRangeException(nameof(variant), variant, "not an inventory request");
        try
        {
            request = read(Expect(body, definition.BodyElement));
            problem = null;
            return true;
        }
        catch (FormatException e)
        {
            request = null;
            problem = e.Message;
            return false;
        }
    }

    private static UpdateInventory ReadUpdate(XmlElement e)
    {
        var id = DeviceId(e);
        var choice = e.ChildNodes.OfType<XmlElement>().Skip(1).FirstOrDefault()
            ?? throw new FormatException("sr:UpdateInventory has no update after its DeviceID.");
        InventoryUpdate update = choice.LocalName switch
        {
            "UpdateDeviceStatusExceptCH" => new UpdateDeviceStatus(Status(choice), ForCommsHub: false),
            "UpdateDeviceStatusCH" => new UpdateDeviceStatus(Status(choice), ForCommsHub: true),
            "UpdateDeviceDetails" => new UpdateDeviceDetails(Optional(choice, "DeviceManufacturer"), Optional(choice, "DeviceModel"),
                Optional(choice, "SMETSCHTSVersion"), Optional(choice, "FirmwareVersion"), Optional(choice, "ESMEVariant")),
            "DeleteDevice" => new DeleteDevice(),
            "UpdateMPxN" => ReadMpxnUpdate(choice),
            _ => throw new FormatException($"sr:UpdateInventory cannot hold sr:{choice.LocalName}."),
        };
        return new UpdateInventory(id, update);
    }

    private static UpdateMpxn ReadMpxnUpdate(XmlElement e)
    {
        var choice = e.ChildNodes.OfType<XmlElement>().FirstOrDefault() ?? throw new FormatException("sr:UpdateMPxN is empty.");
        var mpxn = Mpxn(choice, choice.LocalName);
        return choice.LocalName switch
        {
            "ImportMPxN" => new UpdateMpxn(mpxn, null, null),
            "SecondaryImportMPAN" => new UpdateMpxn(null, mpxn, null),
            "ExportMPAN" => new UpdateMpxn(null, null, mpxn),
            _ => throw new FormatException($"sr:UpdateMPxN cannot hold sr:{choice.LocalName}."),
        };
    }

    private static ServiceOptIn ReadOptIn(XmlElement e)
    {
        var type = DeviceTypeOf(Required(e, "DeviceType"));
        var mpxns = Required(e, "MPxNs");
        var date = Required(e, "OptInDate").InnerText.Trim();
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var optIn))
            throw new FormatException($"sr:OptInDate '{date}' is not a date (yyyy-MM-dd).");
        return new ServiceOptIn(DeviceId(e), type, Mpxn(Required(mpxns, "ImportMPxN"), "ImportMPxN"), optIn);
    }

    private static CommsHubStatusUpdate ReadInstall(XmlElement e, CommsHubStatusUpdateKind kind) =>
        new(DeviceId(e), kind, InstallType: Required(e, "CHFInstallType").InnerText.Trim(), Mpxn: Mpxn(Required(e, "MPxN"), "MPxN"));

    private static DevicePrenotification ReadPrenotification(XmlElement e) => new(
        DeviceId(e),
        Required(e, "DeviceManufacturer").InnerText.Trim(),
        Required(e, "DeviceModel").InnerText.Trim(),
        DeviceTypeOf(Required(e, "DeviceType")),
        Optional(e, "SMETSCHTSVersion"),
        Optional(e, "FirmwareVersion"),
        Optional(e, "ESMEVariant"),
        Child(e, "AssociatedGPFDeviceID") is { } gpf ? Eui(gpf, "AssociatedGPFDeviceID") : null);

    private static XmlElement Expect(XmlElement element, string name) =>
        element is { LocalName: var n, NamespaceURI: DuisNamespaces.ServiceUserGateway } && n == name
            ? element
            : throw new FormatException($"The body must be sr:{name}, not {element.Name}.");

    private static Eui DeviceId(XmlElement e) => Eui(Required(e, "DeviceID"), "DeviceID");

    private static Eui Eui(XmlElement e, string name) =>
        Protocol.Domain.Eui.TryParse(e.InnerText.Trim(), out var id) ? id : throw new FormatException($"sr:{name} '{e.InnerText.Trim()}' is not an EUI-64.");

    private static Mpxn Mpxn(XmlElement e, string name) =>
        Core.Inventory.Mpxn.TryParse(e.InnerText.AsSpan(), null, out var m, out var error) ? m : throw new FormatException($"sr:{name}: {error}");

    private static SmiStatus Status(XmlElement e) =>
        Enum.TryParse<SmiStatus>(e.InnerText.Trim(), ignoreCase: false, out var s) && Enum.IsDefined(s) && !char.IsDigit(e.InnerText.Trim().FirstOrDefault())
            ? s : throw new FormatException($"sr:{e.LocalName} '{e.InnerText.Trim()}' is not an SMI Status.");

    private static DeviceType DeviceTypeOf(XmlElement e) =>
        Enum.TryParse<DeviceType>(e.InnerText.Trim(), ignoreCase: false, out var t) && Enum.IsDefined(t) && !char.IsDigit(e.InnerText.Trim().FirstOrDefault())
            ? t : throw new FormatException($"sr:DeviceType '{e.InnerText.Trim()}' is not a Device Type.");

    private static XmlElement? Child(XmlElement parent, string name) =>
        parent.ChildNodes.OfType<XmlElement>().FirstOrDefault(c => c.LocalName == name && c.NamespaceURI == DuisNamespaces.ServiceUserGateway);

    private static XmlElement Required(XmlElement parent, string name) =>
        Child(parent, name) ?? throw new FormatException($"sr:{parent.LocalName} has no sr:{name}.");

    private static string? Optional(XmlElement parent, string name) => Child(parent, name)?.InnerText.Trim();
}
