using OpenDuis.Core.Requests;
using OpenDuis.Gbcs;
using OpenDuis.Network.Gbcs;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Network;

/// <summary>
/// A command on its way to a device, waiting in the network's queue until <see cref="DueAt"/>.
/// </summary>
/// <param name="Device">The device addressed (the Request ID's target).</param>
/// <param name="Provider">The CSP or SMETS1 Service Provider carrying it.</param>
/// <param name="UseCase">The GBCS Use Case and Message Code carrying it, when the variant has one.</param>
/// <param name="GbcsCounter">The GBCS originator counter the response echoes (the Request ID counter, or a Signed Pre-Command's own).</param>
/// <param name="Original">For a Signed Pre-Command, the Transform request whose Pre-Command the DCC issued.</param>
/// <param name="DiscardedWith">
/// For a command the Device refuses to execute, the GBCS Alert Code of the Alert it sends instead
/// (a Remote Party signature that does not verify: 0x8F3D; a signer it does not trust: 0x8F30).
/// </param>
public sealed record PendingCommand(
    DeviceCommand Command,
    Eui Device,
    SmWanProvider Provider,
    GbcsUseCase? UseCase,
    ulong GbcsCounter,
    DuisRequest? Original,
    DateTimeOffset DueAt,
    ushort? DiscardedWith = null)
{
    public DuisRequest Request => Command.Request;
}
