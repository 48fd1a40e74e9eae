using System.Collections.Concurrent;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Execution;

/// <summary>
/// The faults injected on devices, per Device ID, read from memory on every command. With a
/// <see cref="Store"/> (the data folder's database) a fault set through the admin API or
/// <c>openduis fault</c> survives a restart of the server until it is cleared; without one it lasts
/// as long as the process. Also the <see cref="ICommandOutcomePolicy"/> that holds a slow device's
/// commands in the emulated SM WAN's queue. Thread-safe.
/// </summary>
/// <param name="store">
/// Where the execution layer keeps its state across restarts: the faults here, and the Future Dated
/// (DSP) requests <see cref="SmWanExecution"/> holds.
/// </param>
public sealed class DeviceFaults(ISmWanExecutionStore? store = null) : ICommandOutcomePolicy
{
    private readonly ConcurrentDictionary<Eui, DeviceFault> _faults = new();

    public ISmWanExecutionStore? Store { get; } = store;

    /// <summary>Sets the fault in memory only (not kept across a restart).</summary>
    public void Set(Eui device, DeviceFault fault) => _faults[device] = fault;

    /// <summary>Clears the device's fault in memory only; false when it had none.</summary>
    public bool Clear(Eui device) => _faults.TryRemove(device, out _);

    /// <summary>Sets the fault, written to the <see cref="Store"/> first so it survives a restart.</summary>
    public async Task SetAsync(Eui device, DeviceFault fault, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (Store is not null)
            await Store.SaveFaultAsync(new StoredDeviceFault(device, DeviceFault.Name(fault.Mode), fault.Parameter), cancellationToken).ConfigureAwait(false);
        Set(device, fault);
    }

    /// <summary>Clears the device's fault, in the <see cref="Store"/> too; false when it had none.</summary>
    public async Task<bool> ClearAsync(Eui device, CancellationToken cancellationToken = default)
    {
        var stored = Store is not null && await Store.ClearFaultAsync(device, cancellationToken).ConfigureAwait(false);
        return Clear(device) | stored;
    }

    /// <summary>
    /// Reads the kept faults into memory (at start). A kept fault this version cannot read (its mode or
    /// parameter refused) is an error naming the device, not silently dropped.
    /// </summary>
    public async Task<int> LoadAsync(CancellationToken cancellationToken = default)
    {
        if (Store is null) return 0;
        var kept = await Store.FaultsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var f in kept)
        {
            if (!DeviceFault.TryParse(f.Mode, f.Parameter, out var fault, out var problem))
                throw new InvalidDataException($"The fault kept for device {f.Device} ({f.Mode} {f.Parameter}) cannot be read: {problem}");
            _faults[f.Device] = fault;
        }
        return kept.Count;
    }

    /// <summary>
    /// Reads the kept faults of <paramref name="devices"/> (null: of every Device) again, after another node set or
    /// cleared them (the change feed; issue 22): a Device with none kept has none here.
    /// </summary>
    public async Task RefreshAsync(IReadOnlyCollection<Eui>? devices, CancellationToken cancellationToken = default)
    {
        if (Store is null) return;
        var kept = new Dictionary<Eui, DeviceFault>();
        foreach (var f in await Store.FaultsAsync(cancellationToken).ConfigureAwait(false))
            if (DeviceFault.TryParse(f.Mode, f.Parameter, out var fault, out _)) kept[f.Device] = fault;
        foreach (var device in devices ?? [.. _faults.Keys, .. kept.Keys])
        {
            if (kept.TryGetValue(device, out var fault)) _faults[device] = fault;
            else _faults.TryRemove(device, out _);
        }
    }

    public DeviceFault? Find(Eui device) => _faults.TryGetValue(device, out var f) ? f : null;

    public IReadOnlyList<KeyValuePair<Eui, DeviceFault>> All => _faults.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).ToList();

    /// <summary>A slow device answers <see cref="DeviceFault.Delay"/> after the command was accepted.</summary>
    public CommandOutcome Decide(PendingCommand command, DateTimeOffset now) =>
        Find(command.Device) is { Mode: DeviceFaultMode.Slow, Delay: { } delay } && command.Command.AcceptedAt + delay > now
            ? CommandOutcome.HoldUntil(command.Command.AcceptedAt + delay)
            : CommandOutcome.Respond;
}
