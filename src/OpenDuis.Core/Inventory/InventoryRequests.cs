using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Inventory;

/// <summary>A Non-Device Service Request that changes the Smart Metering Inventory, read from its body.</summary>
public abstract record InventoryRequest(Eui DeviceId);

/// <summary>SR 8.3 Decommission Device (sr:DecommissionDevice).</summary>
public sealed record DecommissionDevice(Eui DeviceId) : InventoryRequest(DeviceId);

/// <summary>SR 8.4 Update Inventory (sr:UpdateInventory): one of five updates of one Device.</summary>
public sealed record UpdateInventory(Eui DeviceId, InventoryUpdate Update) : InventoryRequest(DeviceId);

/// <summary>The one change an 8.4 request makes (the XSD's choice in sr:UpdateInventory).</summary>
public abstract record InventoryUpdate;

/// <summary>
/// sr:UpdateDeviceStatusCH (Commissioned, Withdrawn, InstalledNotCommissioned: a Communications Hub
/// Function) or sr:UpdateDeviceStatusExceptCH (Pending, InstalledNotCommissioned: any other Device).
/// </summary>
internal sealed record UpdateDeviceStatus(SmiStatus To, bool ForCommsHub) : InventoryUpdate;

/// <summary>sr:UpdateDeviceDetails: the elements given replace the recorded ones.</summary>
internal sealed record UpdateDeviceDetails(string? Manufacturer, string? Model, string? SmetsChtsVersion, string? FirmwareVersion, string? EsmeVariant) : InventoryUpdate;

/// <summary>sr:DeleteDevice.</summary>
internal sealed record DeleteDevice : InventoryUpdate;

/// <summary>sr:UpdateMPxN: exactly one of the three is given.</summary>
internal sealed record UpdateMpxn(Mpxn? ImportMpxn, Mpxn? SecondaryImportMpan, Mpxn? ExportMpan) : InventoryUpdate;

/// <summary>SR 8.6 Service Opt In (sr:ServiceOptIn).</summary>
public sealed record ServiceOptIn(Eui DeviceId, DeviceType DeviceType, Mpxn ImportMpxn, DateOnly OptInDate) : InventoryRequest(DeviceId);

/// <summary>The four variants of SR 8.14 Communications Hub Status Update.</summary>
internal enum CommsHubStatusUpdateKind
{
    /// <summary>8.14.1 Install Success (sr:CHFInstallSuccessSMWAN).</summary>
    InstallSuccess,
    /// <summary>8.14.2 Install No SM WAN (sr:CHFInstallSuccessNoSMWAN).</summary>
    InstallNoSmWan,
    /// <summary>8.14.3 Fault Return (sr:CHFFaultReturn).</summary>
    FaultReturn,
    /// <summary>8.14.4 No Fault Return (sr:CHFNoFaultReturn).</summary>
    NoFaultReturn,
}

/// <summary>SR 8.14.x Communications Hub Status Update.</summary>
/// <param name="InstallType">sr:CHFInstallType (8.14.1/8.14.2).</param>
/// <param name="Mpxn">The MPxN the hub is installed for (8.14.1/8.14.2).</param>
/// <param name="OtherDeviceId">8.14.3: the Device the fault was identified with.</param>
internal sealed record CommsHubStatusUpdate(
    Eui DeviceId,
    CommsHubStatusUpdateKind Kind,
    string? InstallType = null,
    Mpxn? Mpxn = null,
    Eui? OtherDeviceId = null) : InventoryRequest(DeviceId)
{
    /// <summary>The sr:CHFInstallType value of an install without SM WAN.</summary>
    public const string InstallNoSmWanType = "CHF Install - no SM WAN";
}

/// <summary>SR 12.2 Device Pre-notification (sr:DevicePrenotification).</summary>
public sealed record DevicePrenotification(
    Eui DeviceId,
    string Manufacturer,
    string Model,
    DeviceType DeviceType,
    string? SmetsChtsVersion = null,
    string? FirmwareVersion = null,
    string? EsmeVariant = null,
    Eui? AssociatedGpfDeviceId = null) : InventoryRequest(DeviceId);

/// <summary>What an inventory request was answered with, and why.</summary>
public readonly record struct InventoryOutcome(ResponseCode Code, string Reason)
{
    public bool IsAccepted => Code.IsSuccess || Code.Type == ResponseCodeType.Warning;

    public static InventoryOutcome Done(string what) => new(ResponseCode.I99, what);

    public static InventoryOutcome Refused(ResponseCode code, string why) => new(code, why);
}

/// <summary>One SMI Status change made by a Non-Device request: what a DeviceStatusChangeEvent (DUIS 3.9) reports.</summary>
public sealed record SmiStatusChange(Device Before, Device After, DateTimeOffset At, Eui ChangedBy, ServiceReferenceVariant By);

/// <summary>
/// Told of every SMI Status change an inventory request makes, after it is stored: where the DCC
/// Alerts producer (DeviceStatusChangeEvent, DUIS 3.9.1 Table 2) plugs in.
/// </summary>
public interface ISmiStatusChangeListener
{
    ValueTask StatusChangedAsync(SmiStatusChange change, CancellationToken cancellationToken);
}

/// <summary>Tells each listener of an SMI Status change in turn (alerts, then schedule removal, …).</summary>
public sealed class SmiStatusChangeListeners(IReadOnlyList<ISmiStatusChangeListener> listeners) : ISmiStatusChangeListener
{
    public async ValueTask StatusChangedAsync(SmiStatusChange change, CancellationToken cancellationToken)
    {
        foreach (var listener in listeners)
            await listener.StatusChangedAsync(change, cancellationToken).ConfigureAwait(false);
    }
}
