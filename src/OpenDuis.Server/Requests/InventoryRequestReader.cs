using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Xml;
using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Server.Requests;

/// <summary>
/// Reads the body of a Non-Device request that changes the inventory (8.3, 8.4, 8.6, 8.14.x, 12.2)
/// into its <see cref="InventoryRequest"/>, element by element as the 5.4 XSD orders them. A body it
/// cannot read is refused with the element at fault (the caller answers E49).
/// </summary>
public static class InventoryRequestReader
{
    /// <param name="body">The one element of sr:Body (<see cref="DuisRequest.Body"/>).</param>
    public static bool TryRead(ServiceReferenceVariant variant, XmlElement body, [NotNullWhen(true)] out InventoryRequest? request, [NotNullWhen(false)] out string? problem)
    {
        request = null;
        var element = body;
        try
        {
            request = variant.ToString() switch
            {
                "8.3" => new DecommissionDevice(DeviceId(Expect(element, "DecommissionDevice"))),
                "8.4" => ReadUpdate(Expect(element, "UpdateInventory")),
                "8.6" => ReadOptIn(Expect(element, "ServiceOptIn")),
                "8.14.1" => ReadInstall(Expect(element, "CHFInstallSuccessSMWAN"), CommsHubStatusUpdateKind.InstallSuccess),
                "8.14.2" => ReadInstall(Expect(element, "CHFInstallSuccessNoSMWAN"), CommsHubStatusUpdateKind.InstallNoSmWan),
                "8.14.3" => new CommsHubStatusUpdate(DeviceId(Expect(element, "CHFFaultReturn")), CommsHubStatusUpdateKind.FaultReturn,
                    OtherDeviceId: Eui(Required(element, "OtherDeviceID"), "OtherDeviceID")),
                "8.14.4" => new CommsHubStatusUpdate(DeviceId(Expect(element, "CHFNoFaultReturn")), CommsHubStatusUpdateKind.NoFaultReturn),
                "12.2" => ReadPrenotification(Expect(element, "DevicePrenotification")),
                _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "not an inventory request"),
            };
            problem = null;
            return true;
        }
        catch (FormatException e)
        {
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
