using System.Xml;
using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Server.Requests;

/// <summary>The synchronous outcome of a Non-Device request: I0 with a data element, or a code alone.</summary>
/// <param name="Reason">Why, for the log, when the request was refused or warned about.</param>
public readonly record struct NonDeviceResult(ResponseCode Code, XmlElement? Payload, string? Reason = null)
{
    public static NonDeviceResult Acknowledged => new(ResponseCode.I99, null);
}

/// <summary>
/// The Non-Device Service Requests the DCC answers itself (CV 8). Those that return data answer I0
/// with it; the others I99, "a successful Non-Device request with no specific data" (DUIS 3.5.10
/// Table 1).
/// </summary>
public sealed class NonDeviceServices(IInventoryStore inventory, InventoryServices inventoryServices, Schedules.ScheduleServices? schedules = null,
    Network.Events.FirmwareDistribution? firmware = null)
{
    /// <summary>DSPInventory holds at most 17 Devices (XSD sr:DSPInventory).</summary>
    private const int MaxInventoryDevices = 17;

    public async ValueTask<NonDeviceResult> AnswerAsync(DuisRequest request, CancellationToken cancellationToken) =>
        request.ServiceReferenceVariant.ToString() switch
        {
            "8.2" => await ReadInventoryAsync(request.Body, cancellationToken),
            "5.1" or "5.2" or "5.3" when schedules is not null => await schedules.AnswerAsync(request, cancellationToken),
            "8.3" or "8.4" or "8.6" or "8.14.1" or "8.14.2" or "8.14.3" or "8.14.4" or "12.2" => await ChangeInventoryAsync(request, cancellationToken),
            "11.1" when firmware is not null => await DistributeFirmwareAsync(request, firmware, cancellationToken),
            _ => NonDeviceResult.Acknowledged,
        };

    /// <summary>
    /// SR 8.2 Read Inventory (DUIS 3.8.2): the Devices matching the one criterion given (DeviceID,
    /// UPRN or MPxN); for a DeviceID, the Device and its Communications Hub Function. No match: E19.
    /// </summary>
    private async ValueTask<NonDeviceResult> ReadInventoryAsync(XmlElement body, CancellationToken cancellationToken)
    {
        var criterion = body.ChildNodes.OfType<XmlElement>().FirstOrDefault();
        var found = new List<Device>();
        switch (criterion?.LocalName)
        {
            case "DeviceID" when Eui.TryParse(criterion.InnerText, out var id):
                if (await inventory.FindDeviceAsync(id, cancellationToken) is { } device)
                {
                    found.Add(device);
                    if (device.CommsHub is { } hub && hub != device.Id && await inventory.FindDeviceAsync(hub, cancellationToken) is { } chf)
                        found.Add(chf);
                }
                break;
            case "UPRN" when Uprn.TryParse(criterion.InnerText, out var uprn):
                await foreach (var d in inventory.ReadDevicesAsync(cancellationToken))
                    if (d.Uprn == uprn && found.Count < MaxInventoryDevices) found.Add(d);
                break;
            case "MPxN" when Mpxn.TryParse(criterion.InnerText.Trim(), out var mpxn):
                await foreach (var d in inventory.ReadDevicesAsync(cancellationToken))
                    if (d.Mpxn == mpxn && found.Count < MaxInventoryDevices) found.Add(d);
                break;
        }
        if (found.Count == 0) return new NonDeviceResult(ResponseCode.E19, null);
        return new NonDeviceResult(ResponseCode.I0, InventoryElement(found));
    }

    /// <summary>
    /// The requests that change the Smart Metering Inventory (<see cref="InventoryServices"/>): the body
    /// is read into its Core request, then applied. The XSD has already been checked when configured;
    /// a body the reader cannot take is answered E49 ("request format does not match the variant").
    /// </summary>
    private async ValueTask<NonDeviceResult> ChangeInventoryAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        if (!InventoryRequestReader.TryRead(request.ServiceReferenceVariant, request.Body, out var change, out var problem))
            return new NonDeviceResult(ResponseCode.E49, null, problem);
        var outcome = await inventoryServices.ApplyAsync(request.RequestId.Originator, change, cancellationToken);
        return new NonDeviceResult(outcome.Code, null, outcome.Reason);
    }

    /// <summary>SR 11.1 Update Firmware: acknowledged (I99); Devices the CSPs cannot reach are reported afterwards as N18–N23.</summary>
    private static async ValueTask<NonDeviceResult> DistributeFirmwareAsync(DuisRequest request, Network.Events.FirmwareDistribution firmware, CancellationToken cancellationToken)
    {
        await firmware.DistributeAsync(request, cancellationToken);
        return NonDeviceResult.Acknowledged;
    }

    /// <summary>sr:DSPInventory, each sr:Device's elements in the XSD's order (sr:Device, DUIS 5.4).</summary>
    private static XmlElement InventoryElement(IEnumerable<Device> devices)
    {
        var doc = new XmlDocument();
        var inventory = Sr(doc, "DSPInventory");
        foreach (var d in devices)
        {
            var e = Append(inventory, "Device");
            Append(e, "DeviceID", d.Id.ToString());
            Append(e, "DeviceType", d.Type.ToString());
            Append(e, "DeviceStatus", d.Status.ToString());
            if (d.Manufacturer is { } manufacturer) Append(e, "DeviceManufacturer", manufacturer);
            if (d.Model is { } model) Append(e, "DeviceModel", model);
            if (d.FirmwareVersion is { } firmware) Append(e, "DeviceFirmwareVersion", firmware);
            if (d.Mpxn is { } mpxn)
                Append(e, "ImportMPxN", mpxn.ToString());
            if (d.Uprn is { } uprn) Append(e, "UPRN", uprn.ToString());
            if (d.Region is { } region) Append(e, "CSPRegion", region.ToXsd());
        }
        return inventory;
    }

    private static XmlElement Sr(XmlDocument doc, string name) =>
        doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, name, DuisNamespaces.ServiceUserGateway);

    private static XmlElement Append(XmlElement parent, string name, string? text = null)
    {
        var e = Sr(parent.OwnerDocument, name);
        if (text is not null) e.InnerText = text;
        parent.AppendChild(e);
        return e;
    }
}
