using OpenDuis.Core.Alerts;

namespace OpenDuis.Core.Inventory;

/// <summary>
/// Raises the DeviceStatusChangeEvent DCC Alerts (DUIS 3.9.1 Table 2: N1, N2, N28, …) for each SMI
/// Status change an inventory request makes, through <see cref="DeviceStatusAlerts"/>.
/// </summary>
public sealed class DeviceStatusAlertListener(DeviceStatusAlerts alerts) : ISmiStatusChangeListener
{
    public async ValueTask StatusChangedAsync(SmiStatusChange change, CancellationToken cancellationToken) =>
        await alerts.StatusChangedAsync(change.Before, change.After, change.At, cancellationToken).ConfigureAwait(false);
}
