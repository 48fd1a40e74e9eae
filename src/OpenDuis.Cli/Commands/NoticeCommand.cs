using System.CommandLine;
using OpenDuis.Core;
using OpenDuis.Core.Notices;

namespace OpenDuis.Cli.Commands;

/// <summary><c>openduis notice deemed</c>: when a notice between Parties is deemed received (SEC M10.4).</summary>
internal static class NoticeCommand
{
    public const int Refused = 1;
    public const int BadInput = 2;

    public static Command Create()
    {
        var notice = new Command("notice", "Notices between Parties (SEC M10, as amended by MP260).");
        notice.Subcommands.Add(CreateDeemed());
        return notice;
    }

    private static Command CreateDeemed()
    {
        var method = new Option<string>("--method")
        {
            Description = "How the notice was given: personal, courier, post, email (fax is no longer permitted).",
            Required = true,
        };
        method.AcceptOnlyFromAmong([.. Enum.GetValues<NoticeMethod>().Select(m => m.Name())]);
        var sent = new Option<string>("--sent")
        {
            Description = "When it was left (personal, courier), posted (post) or sent (email): ISO 8601; without an offset, UK local time.",
            Required = true,
        };
        var errorAt = new Option<string?>("--error-at")
        {
            Description = "Email only: when the sender received an error message for it (ISO 8601).",
        };

        var deemed = new Command("deemed", "Print when a notice is deemed received (M10.4), in ISO 8601 with the UK offset, or why it is refused.")
        {
            method, sent, errorAt,
        };
        deemed.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!NoticeMethods.TryParse(parse.GetValue(method), out var how))
            {
                error.WriteLine($"Unknown method '{parse.GetValue(method)}'.");
                return BadInput;
            }
            if (!UkLocalTime.TryParse(parse.GetValue(sent), out var sentAt, out var problem))
            {
                error.WriteLine($"--sent: {problem}");
                return BadInput;
            }
            DateTimeOffset? errorMessageAt = null;
            if (parse.GetValue(errorAt) is { } errorText)
            {
                if (how != NoticeMethod.Email)
                {
                    error.WriteLine($"--error-at applies only to email (M10.4(d)); this notice was given by {how.Name()}.");
                    return BadInput;
                }
                if (!UkLocalTime.TryParse(errorText, out var at, out problem))
                {
                    error.WriteLine($"--error-at: {problem}");
                    return BadInput;
                }
                errorMessageAt = at;
            }

            var ruling = NoticeRules.DeemedReceipt(how, sentAt, errorMessageAt, WorkingDayCalendar.EnglandAndWales);
            if (!ruling.IsAllowed)
            {
                error.WriteLine($"Refused ({ruling.Refusal.Clause}): {ruling.Refusal.Reason}.");
                return Refused;
            }
            output.WriteLine(UkLocalTime.Format(ruling.Value.At));
            output.WriteLine($"{ruling.Value.Clause}: {ruling.Value.Basis}");
            return 0;
        });
        return deemed;
    }
}
