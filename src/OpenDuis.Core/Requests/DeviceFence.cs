using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Requests;

/// <summary>
/// A Device's lease as a node held it when it took a command (admitted it as the Device's owner, or took it
/// over): the owner's name and the lease's epoch, which changes whenever the Device changes owner. A write
/// made as the Device's owner carries it and lands only while the lease still matches (checked in the
/// write's own transaction), so a node stalled past its lease cannot write as owner when it wakes.
/// </summary>
public readonly record struct DeviceFence(Eui Device, string Owner, long Epoch);

/// <summary>
/// Where a command recorded before its acknowledgement is executed: <see cref="OtherOwner"/> when another
/// node sharing the database owns its Device (handed over), else here under <see cref="Fence"/> (null on a
/// database one node has to itself, where nothing is fenced). <see cref="QueuedBefore"/>: a DCC Schedule's occurrence
/// an earlier run queued already (a shared database), so nothing was queued and nothing is to be executed.
/// </summary>
public readonly record struct DeviceHolding(string? OtherOwner, DeviceFence? Fence, bool QueuedBefore = false);

/// <summary>
/// A write as a Device's owner was refused: another node took these Devices since the writer's lease epoch
/// (the writer stalled past its lease). Nothing of the write was kept; the writer steps down for them.
/// </summary>
public sealed class DeviceFencedException(IReadOnlyCollection<Eui> devices)
    : Exception($"Another node owns Device(s) {string.Join(", ", devices)} since this node's lease on them: the write as their owner is refused.")
{
    public IReadOnlyCollection<Eui> Devices { get; } = devices;
}
