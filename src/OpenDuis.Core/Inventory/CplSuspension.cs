using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Inventory;

/// <summary>A product combination as the CPL keys it (SEC Section F2): manufacturer, model and firmware version.</summary>
public readonly record struct CplProduct(string Manufacturer, string Model, string FirmwareVersion)
{
    public override string ToString() => $"manufacturer {Manufacturer}, model {Model}, firmware {FirmwareVersion}";
}

/// <summary>What a CPL change did: the Devices whose SMI Status it changed, or why it was refused.</summary>
public sealed record CplChangeOutcome(bool Done, string Reason, IReadOnlyList<Device> Changed)
{
    public static CplChangeOutcome Refused(string why) => new(false, why, []);
}

/// <summary>
/// The operator's Central Products List changes and what SEC F2.9 makes of them: a combination removed
/// from the CPL suspends every Device of it still in service (not Decommissioned or Withdrawn), which
/// raises N8 sr:DeviceSuspended and removes its DCC Schedules with N6; restored, each Suspended Device
/// of it returns to the status it had before its suspension (the store's status history), with N9
/// sr:DeviceRestored. Each change runs in one <see cref="IUnitOfWork"/>: the CPL entry, every status,
/// the schedules and the alerts commit together (R-WS-2), and the <see cref="SmiCache"/> follows on commit.
/// </summary>
/// <param name="changedBy">Who the status changes are recorded as made by: the DCC (its DSP User ID).</param>
public sealed class CplSuspension(SmiCache cache, TimeProvider clock, Eui changedBy, ISmiStatusChangeListener? statusChanges = null, IUnitOfWork? unitOfWork = null)
{
    private static readonly SmiStatus[] OutOfService = [SmiStatus.Decommissioned, SmiStatus.Withdrawn];

    /// <summary>Removes the combination from the CPL and suspends its Devices (SEC F2.9).</summary>
    public Task<CplChangeOutcome> RemoveAsync(CplProduct product, CancellationToken cancellationToken = default) =>
        (unitOfWork ?? NoUnitOfWork.Instance).RunAsync(async ct =>
        {
            var entry = await cache.Store.FindProductAsync(product.Manufacturer, product.Model, product.FirmwareVersion, ct).ConfigureAwait(false);
            if (entry is null) return CplChangeOutcome.Refused($"{product} is not on the Central Products List.");
            if (entry.Status == CplStatus.Removed) return CplChangeOutcome.Refused($"{product} is already removed from the Central Products List.");
            var devices = await DevicesOfAsync(product, ct).ConfigureAwait(false);
            await cache.Store.SaveProductAsync(entry with { Status = CplStatus.Removed }, ct).ConfigureAwait(false);
            var at = clock.GetUtcNow();
            var changed = new List<Device>();
            foreach (var device in devices)
            {
                if (OutOfService.Contains(device.Status) || !SmiLifecycle.IsAllowed(device.Status, SmiStatus.Suspended)) continue;
                changed.Add(await ChangeAsync(device, SmiStatus.Suspended, at, ct).ConfigureAwait(false));
            }
            return new CplChangeOutcome(true, $"{product} is removed from the Central Products List; {changed.Count} Device(s) Suspended.", changed);
        }, cancellationToken);

    /// <summary>Restores the combination to the CPL and each Suspended Device of it to its status before the suspension (SEC F2.9).</summary>
    public Task<CplChangeOutcome> RestoreAsync(CplProduct product, CancellationToken cancellationToken = default) =>
        (unitOfWork ?? NoUnitOfWork.Instance).RunAsync(async ct =>
        {
            var entry = await cache.Store.FindProductAsync(product.Manufacturer, product.Model, product.FirmwareVersion, ct).ConfigureAwait(false);
            if (entry is null) return CplChangeOutcome.Refused($"{product} is not on the Central Products List.");
            if (entry.Status == CplStatus.Current) return CplChangeOutcome.Refused($"{product} is Current on the Central Products List: there is nothing to restore.");
            var devices = await DevicesOfAsync(product, ct).ConfigureAwait(false);
            await cache.Store.SaveProductAsync(entry with { Status = CplStatus.Current }, ct).ConfigureAwait(false);
            var at = clock.GetUtcNow();
            var changed = new List<Device>();
            foreach (var device in devices)
            {
                if (device.Status != SmiStatus.Suspended) continue;
                var previous = await cache.Store.StatusBeforeSuspensionAsync(device.Id, ct).ConfigureAwait(false) ?? Fallback(device);
                changed.Add(await ChangeAsync(device, previous, at, ct).ConfigureAwait(false));
            }
            return new CplChangeOutcome(true, $"{product} is restored to the Central Products List; {changed.Count} Device(s) restored.", changed);
        }, cancellationToken);

    // No suspension recorded (imported Suspended): a Device with a Metering Point was in service (Commissioned); anything else goes back to Pending.
    private static SmiStatus Fallback(Device device) => device.Mpxn is not null ? SmiStatus.Commissioned : SmiStatus.Pending;

    private async Task<List<Device>> DevicesOfAsync(CplProduct product, CancellationToken cancellationToken)
    {
        // Read before anything is written: a store's stream keeps its own connection, outside the unit of work.
        var devices = new List<Device>();
        await foreach (var d in cache.Store.ReadDevicesAsync(cancellationToken).ConfigureAwait(false))
            if (d.Manufacturer == product.Manufacturer && d.Model == product.Model && d.FirmwareVersion == product.FirmwareVersion)
                devices.Add(d);
        return devices;
    }

    private async Task<Device> ChangeAsync(Device before, SmiStatus to, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var after = await cache.ChangeStatusAsync(before.Id, to, at, cancellationToken).ConfigureAwait(false);
        // Not a Service Request: the DCC changes the status, so no Service Reference Variant is recorded (default).
        if (statusChanges is not null)
            await statusChanges.StatusChangedAsync(new SmiStatusChange(before, after, at, changedBy, default), cancellationToken).ConfigureAwait(false);
        return after;
    }
}
