using System.CommandLine;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis outbox list|retry</c>: the Service Responses and DCC Alerts not yet accepted by their
/// User's endpoint, and releasing the parked ones (a User with no endpoint) for delivery now.
/// </summary>
internal static class OutboxCommand
{
    public static Command Create()
    {
        var listData = InitCommand.DataOption();
        var max = new Option<int>("--max") { Description = "At most this many, oldest first (default 100).", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "List the messages waiting in the outbox: Response ID, recipient, kind, attempts, when next tried (or parked), last failure.") { max, listData };
        list.SetAction(async (parse, ct) =>
        {
            var (outbox, owner) = await DataFolder.Resolve(parse.GetValue(listData)).OpenOutboxAsync(ct);
            await using var _ = owner;
            var output = parse.InvocationConfiguration.Output;
            var waiting = await outbox.ListUndeliveredAsync(Math.Clamp(parse.GetValue(max), 1, 100_000), ct);
            foreach (var m in waiting)
                output.WriteLine($"{m.ResponseId}  to {m.Recipient}  {m.Kind}  {m.Attempts} attempt(s)  " +
                                 (m.Parked ? "PARKED" : $"next {m.NextAttemptAt:O}") + (m.LastError is { } e ? $"  ({e})" : ""));
            output.WriteLine($"{waiting.Count} message(s) waiting, {waiting.Count(m => m.Parked)} parked" +
                             (waiting.Any(m => m.Parked) ? ": set the User's endpoint (openduis users endpoint) or release them with openduis outbox retry." : "."));
            return 0;
        });

        var retryData = InitCommand.DataOption();
        var user = new Option<string?>("--user") { Description = "Only this User's parked messages (EUI-64)." };
        var retry = new Command("retry", "Release parked messages for delivery now (a running server sends them at its next poll). Exit codes: 0 done, 2 bad --user.") { user, retryData };
        retry.SetAction(async (parse, ct) =>
        {
            Eui? recipient = null;
            if (parse.GetValue(user) is { } text)
            {
                if (!Eui.TryParse(text, out var id))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"--user {text}: not a User ID (8 hex pairs joined by '-').");
                    return 2;
                }
                recipient = id;
            }
            var (outbox, owner) = await DataFolder.Resolve(parse.GetValue(retryData)).OpenOutboxAsync(ct);
            await using var _ = owner;
            var released = await outbox.ReleaseParkedAsync(recipient, DateTimeOffset.UtcNow, ct);
            parse.InvocationConfiguration.Output.WriteLine($"{released} parked message(s) released for delivery.");
            return 0;
        });
        return new Command("outbox", "Show the messages waiting for delivery and release the parked ones.") { list, retry };
    }
}
