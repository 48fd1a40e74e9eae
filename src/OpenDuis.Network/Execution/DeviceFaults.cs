using System.Collections.Concurrent;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Execution;

/// <summary>
/// The faults injected on devices, per Device ID. Kept in memory on purpose: a fault is set up for a
/// test or a demonstration against a running server, and a restart returns every device to health
/// rather than leaving a forgotten fault behind. Also the <see cref="ICommandOutcomePolicy"/> that
/// holds a slow device's commands in the emulated SM WAN's queue. Thread-safe.
/// </summary>
public sealed class DeviceFaults : ICommandOutcomePolicy
{
    private readonly ConcurrentDictionary<Eui, DeviceFault> _faults = new();

    public void Set(Eui device, DeviceFault fault) => _faults[device] = fault;

    /// <summary>Clears the device's fault; false when it had none.</summary>
    public bool Clear(Eui device) => _faults.TryRemove(device, out _);

    public DeviceFault? Find(Eui device) => _faults.TryGetValue(device, out var f) ? f : null;

    public IReadOnlyList<KeyValuePair<Eui, DeviceFault>> All => _faults.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).ToList();

    /// <summary>A slow device answers <see cref="DeviceFault.Delay"/> after the command was accepted.</summary>
    public CommandOutcome Decide(PendingCommand command, DateTimeOffset now) =>
        Find(command.Device) is { Mode: DeviceFaultMode.Slow, Delay: { } delay } && command.Command.AcceptedAt + delay > now
            ? CommandOutcome.HoldUntil(command.Command.AcceptedAt + delay)
            : CommandOutcome.Respond;
}
