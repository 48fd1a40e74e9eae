using System.Xml;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Inventory;

/// <summary>
/// SR 8.2 Read Inventory (DUIS 3.8.2): the Devices matching the one criterion given (DeviceID, UPRN
/// or MPxN); for a DeviceID, the Device and its Communications Hub Function. No match: E19.
/// </summary>
public sealed class InventoryReadService(IInventoryStore inventory) : INonDeviceService
{
    /// <summary>DSPInventory holds at most 17 Devices (XSD sr:DSPInventory).</summary>
    private const int MaxInventoryDevices = 17;

    public IReadOnlyCollection<ServiceReferenceVariant> Variants { get; } = [new(8, 2)];

    public async ValueTask<NonDeviceResult> AnswerAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        var criterion = request.Body.ChildNodes.OfType<XmlElement>().FirstOrDefault();
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
