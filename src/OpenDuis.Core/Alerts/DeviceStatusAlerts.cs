using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using static OpenDuis.Protocol.Messages.Alerts.DeviceStatusChange;

namespace OpenDuis.Core.Alerts;

/// <summary>
/// DeviceStatusChangeEvent alerts (DUIS 3.9.3) for SMI Status changes: call
/// <see cref="ChangeStatusAsync"/> instead of <see cref="IInventoryStore.ChangeStatusAsync"/> so the
/// change and its alerts go together. Which change raises which code (DccAlertCatalogue):
/// <list type="bullet">
/// <item>a meter Commissioned: N1 sr:MeterIdentity to the Network Operator, and N29 with the same body to the Registered Supplier;</item>
/// <item>a Device other than a meter or CHF (GPF, PPMID, HCALCS, Type 2) Decommissioned or Withdrawn: N16 sr:DeviceRemovedFromInventory to its Registered Suppliers;</item>
/// <item>a meter Decommissioned or Withdrawn: N2 sr:MeterDecommissioningOrWithdrawal to the Network Operator;</item>
/// <item>a Communications Hub Function Decommissioned: N28 sr:CHFDecommissioning to the Registered Suppliers of its meters;</item>
/// <item>any Device Suspended (its product left the CPL, SEC F2): N8 sr:DeviceSuspended to its Registered Suppliers; leaving Suspended: N9 sr:DeviceRestored;</item>
/// <item>Recovery completed (Recovery → Recovered, SEC Appendix L): N45 sr:RecoveryComplete to Supplier and Network Operator.</item>
/// </list>
/// Other changes raise no alert.
/// </summary>
/// <param name="unitOfWork">The unit of work <see cref="ChangeStatusAsync"/> writes the change and its alerts in (R-WS-2); without it, one after the other.</param>
public sealed class DeviceStatusAlerts(ISmiStore store, IDccAlertSink sink, IUnitOfWork? unitOfWork = null)
{
    private readonly AlertRecipients _recipients = new(store);

    /// <summary>
    /// Moves the Device to <paramref name="to"/> (lifecycle-checked, SEC Appendix AC) and raises the
    /// alerts the change calls for, in one unit of work: if an alert cannot be written the status is
    /// not changed either.
    /// </summary>
    public Task<(Device Device, IReadOnlyList<AlertToRaise> Alerts)> ChangeStatusAsync(Eui id, SmiStatus to, DateTimeOffset at,
        CancellationToken cancellationToken = default) =>
        (unitOfWork ?? NoUnitOfWork.Instance).RunAsync<(Device, IReadOnlyList<AlertToRaise>)>(async ct =>
        {
            var before = await store.FindDeviceAsync(id, ct) ?? throw new KeyNotFoundException($"Device {id} is not in the Smart Metering Inventory.");
            var after = await store.ChangeStatusAsync(id, to, at, ct);
            return (after, await StatusChangedAsync(before, after, at, ct));
        }, cancellationToken);

    /// <summary>Raises the alerts for a change already made (for writers that changed the status in their own transaction).</summary>
    public async Task<IReadOnlyList<AlertToRaise>> StatusChangedAsync(Device before, Device after, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var alerts = await AlertsForAsync(before, after, at, cancellationToken);
        await sink.RaiseAsync(alerts, cancellationToken);
        return alerts;
    }

    /// <summary>The alerts a change calls for, with their recipients resolved (nothing is raised).</summary>
    public async Task<IReadOnlyList<AlertToRaise>> AlertsForAsync(Device before, Device after, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (before.Status == after.Status) return [];
        var (code, change, role, alsoNetworkOperator) = Classify(before, after);
        if (change is null) return [];

        var recipients = new List<Eui>(await _recipients.UsersOfDeviceAsync(after, role, at, cancellationToken));
        if (alsoNetworkOperator)
            foreach (var u in await _recipients.UsersOfDeviceAsync(after, RegisteredRole.NetworkOperator, at, cancellationToken))
                if (!recipients.Contains(u)) recipients.Add(u);
        var alertCode = DccAlertCode.Parse(code!);
        var body = new DeviceStatusChangeEvent(after.Id, change);
        var alerts = recipients.Select(r => new AlertToRaise(alertCode, body, r) { DeviceId = after.Id }).ToList();
        // A commissioned meter's identity goes to its Registered Supplier too, as N29 (our reading: N1 is the Network Operator's).
        if (code == "N1")
            foreach (var u in await _recipients.UsersOfDeviceAsync(after, RegisteredRole.Supplier, at, cancellationToken))
                alerts.Add(new AlertToRaise(DccAlertCode.Parse("N29"), body, u) { DeviceId = after.Id });
        return alerts;
    }

    private static (string? Code, DeviceStatusChange? Change, RegisteredRole Role, bool AlsoNetworkOperator) Classify(Device before, Device after)
    {
        var to = after.Status;
        if (to == SmiStatus.Suspended) return ("N8", new DeviceSuspended(), RegisteredRole.Supplier, false);
        if (before.Status == SmiStatus.Suspended) return ("N9", new DeviceRestored(), RegisteredRole.Supplier, false);
        if (before.Status == SmiStatus.Recovery && to == SmiStatus.Recovered) return ("N45", new RecoveryComplete(), RegisteredRole.Supplier, true);
        if (after.Type == DeviceType.CHF && to == SmiStatus.Decommissioned) return ("N28", new ChfDecommissioning(), RegisteredRole.Supplier, false);
        if (after is { IsMeter: false, Type: not DeviceType.CHF } && to is SmiStatus.Decommissioned or SmiStatus.Withdrawn)
            return ("N16", new DeviceRemovedFromInventory(), RegisteredRole.Supplier, false);
        if (after is { IsMeter: true, Mpxn: { } mpxn })
        {
            var mpxns = new MeterMpxns(mpxn.ToString());
            if (to == SmiStatus.Commissioned) return ("N1", new MeterIdentity(mpxns), RegisteredRole.NetworkOperator, false);
            if (to is SmiStatus.Decommissioned or SmiStatus.Withdrawn) return ("N2", new MeterDecommissioningOrWithdrawal(mpxns), RegisteredRole.NetworkOperator, false);
        }
        return (null, null, default, false);
    }
}
