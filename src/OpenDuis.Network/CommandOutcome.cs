namespace OpenDuis.Network;

/// <summary>What happens to one command when it reaches its device.</summary>
public enum CommandOutcomeKind
{
    /// <summary>The device executes it and responds.</summary>
    Respond,
    /// <summary>Not yet: the command is held and decided again at <see cref="CommandOutcome.Until"/>.</summary>
    Hold,
    /// <summary>The device never answers; the command is dropped and its Request ID stays in process until the hold passes.</summary>
    NoResponse,
}

/// <summary>The decision taken for a command at its due time.</summary>
public readonly record struct CommandOutcome(CommandOutcomeKind Kind, DateTimeOffset Until = default)
{
    public static CommandOutcome Respond => new(CommandOutcomeKind.Respond);
    public static CommandOutcome NoResponse => new(CommandOutcomeKind.NoResponse);
    public static CommandOutcome HoldUntil(DateTimeOffset until) => new(CommandOutcomeKind.Hold, until);
}

/// <summary>
/// Decides each command's outcome when it falls due: the place where fault injection (unreachable,
/// no response, slow devices), Future Dated (DSP) release and sequencing plug in. The default lets
/// every device respond. Called on the network's worker, one command at a time; keep it fast.
/// </summary>
public interface ICommandOutcomePolicy
{
    CommandOutcome Decide(PendingCommand command, DateTimeOffset now);
}

/// <summary>Every device responds.</summary>
internal sealed class AlwaysRespond : ICommandOutcomePolicy
{
    public static readonly AlwaysRespond Instance = new();
    public CommandOutcome Decide(PendingCommand command, DateTimeOffset now) => CommandOutcome.Respond;
}
