using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using System.CommandLine;
using OpenDuis.Core;
using OpenDuis.Core.Notices;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis notice …</c>: notices between Parties (SEC M10): when one is deemed received (M10.4), and the
/// register of notices given, kept in the data folder's database.
/// </summary>
internal static class NoticeCommand
{
    public const int Refused = 1;
    public const int BadInput = 2;

    public static Command Create()
    {
        var notice = new Command("notice", "Notices between Parties (SEC M10, as amended by MP260).");
        notice.Subcommands.Add(CreateDeemed());
        notice.Options.Add(Data);
        Data.Recursive = true;
        notice.Subcommands.Add(CreateRecord());
        notice.Subcommands.Add(CreateErrorMessage());
        notice.Subcommands.Add(CreateList());
        return notice;
    }

    private static readonly Option<string?> Data = InitCommand.DataOption();

    private static Command CreateRecord()
    {
        var from = new Option<string>("--from") { Description = "The Party giving notice: a Party ID as `export parties` prints it (e.g. DEMO-SUPPLIER), or a User ID (EUI-64).", Required = true };
        var to = new Option<string>("--to") { Description = "The Party to whom notice is given: a Party ID as `export parties` prints it, or a User ID (EUI-64).", Required = true };
        var type = new Option<string>("--type") { Description = "The type of notice, as named in the recipient's Party Details (M10.3).", DefaultValueFactory = _ => NoticeType.General.Name };
        var method = new Option<string>("--method") { Description = "personal, courier, post or email (fax is refused).", Required = true };
        method.AcceptOnlyFromAmong([.. Enum.GetValues<NoticeMethod>().Select(m => m.Name())]);
        var sent = new Option<string>("--sent") { Description = "When it was left, posted or sent: ISO 8601; without an offset, UK local time.", Required = true };
        var subject = new Option<string>("--subject") { Description = "What the notice is about.", Required = true };
        var address = new Option<string?>("--address") { Description = "The recipient's physical address for notices, from its Party Details." };
        var email = new Option<string?>("--email") { Description = "The recipient's email address for this type of notice, from its Party Details." };

        var command = new Command("record", "Record a notice given to another Party (M10.2–M10.4) and when it is deemed received.")
        {
            from, to, type, method, sent, subject, address, email,
        };
        command.SetAction((parse, ct) => RunRegister(parse, ct, async (register, smi, error) =>
        {
            if (await PartyAsync(smi, parse.GetValue(from), "--from", error, ct) is not { } sender
                || await PartyAsync(smi, parse.GetValue(to), "--to", error, ct) is not { } recipient)
                return null;
            if (!NoticeMethods.TryParse(parse.GetValue(method), out var how))
            {
                error.WriteLine($"Unknown method '{parse.GetValue(method)}'.");
                return null;
            }
            if (!UkLocalTime.TryParse(parse.GetValue(sent), out var sentAt, out var problem))
            {
                error.WriteLine($"--sent: {problem}");
                return null;
            }
            var noticeType = new NoticeType(parse.GetValue(type)!);
            var emails = parse.GetValue(email) is { } e ? new Dictionary<NoticeType, string> { [noticeType] = e } : null;
            var details = new PartyNoticeDetails(recipient, parse.GetValue(address), emails);
            return await register.GiveAsync(sender, details, noticeType, how, parse.GetValue(subject)!, sentAt, ct);
        }));
        return command;
    }

    private static Command CreateErrorMessage()
    {
        var id = new Argument<string>("id") { Description = "The notice's id, as printed by 'notice record'." };
        var at = new Option<string>("--at") { Description = "When the sender received the error message (ISO 8601).", Required = true };
        var command = new Command("error-message", "Record an error message received for an emailed notice (M10.4(d)).") { id, at };
        command.SetAction((parse, ct) => RunRegister(parse, ct, async (register, _, error) =>
        {
            if (!Guid.TryParse(parse.GetValue(id), out var guid))
            {
                error.WriteLine($"'{parse.GetValue(id)}' is not a notice id.");
                return null;
            }
            if (!UkLocalTime.TryParse(parse.GetValue(at), out var errorAt, out var problem))
            {
                error.WriteLine($"--at: {problem}");
                return null;
            }
            return await register.RecordEmailErrorAsync(new NoticeId(guid), errorAt, ct);
        }));
        return command;
    }

    private static Command CreateList()
    {
        var to = new Option<string>("--to") { Description = "The Party whose notices received to list: a Party ID as `export parties` prints it, or a User ID (EUI-64).", Required = true };
        var command = new Command("list", "List the notices given to a Party and when each is deemed received.") { to };
        command.SetAction(async (parse, ct) =>
        {
            await using var opened = await OpenAsync(parse, ct);
            if (await PartyAsync(opened.Smi, parse.GetValue(to), "--to", parse.InvocationConfiguration.Error, ct) is not { } recipient) return BadInput;
            foreach (var notice in await opened.Store.ToPartyAsync(recipient, ct))
                Print(notice, parse.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    private static async Task<int> RunRegister(ParseResult parse, CancellationToken ct, Func<NoticeRegister, ISmiStore, TextWriter, Task<Ruling<NoticeRecord>?>> act)
    {
        var error = parse.InvocationConfiguration.Error;
        await using var opened = await OpenAsync(parse, ct);
        Ruling<NoticeRecord> ruling;
        try
        {
            if (await act(new NoticeRegister(opened.Store, WorkingDayCalendar.EnglandAndWales, TimeProvider.System), opened.Smi, error) is not { } given)
                return BadInput;
            ruling = given;
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
        {
            error.WriteLine(e.Message);
            return BadInput;
        }
        if (!ruling.IsAllowed)
        {
            error.WriteLine($"Refused ({ruling.Refusal.Clause}): {ruling.Refusal.Reason}.");
            return Refused;
        }
        Print(ruling.Value, parse.InvocationConfiguration.Output);
        return 0;
    }

    private static void Print(NoticeRecord notice, TextWriter output)
    {
        output.WriteLine($"Notice {notice.Id}");
        output.WriteLine($"  From {notice.From} to {notice.To}: {notice.Type} notice by {notice.Method.Name()} to {notice.Address}");
        output.WriteLine($"  Subject:  {notice.Subject}");
        output.WriteLine($"  Sent:     {UkLocalTime.Format(notice.SentAt)}");
        if (notice.ErrorMessageAt is { } errorAt) output.WriteLine($"  Error message: {UkLocalTime.Format(errorAt)}");
        if (notice.DeemedReceipt is { } deemed) output.WriteLine($"  Deemed received: {deemed}");
        if (notice.NotReceivedBecause is { } not) output.WriteLine($"  Not deemed received ({not.Clause}): {not.Reason}");
    }

    /// <summary>
    /// The register keys a Party by an EUI-64: a User ID is taken as given; a Party ID (as `export parties`
    /// prints it) by its first User ID, so that both spellings of a Party find the same notices.
    /// </summary>
    private static async Task<Eui?> PartyAsync(ISmiStore smi, string? text, string option, TextWriter error, CancellationToken ct)
    {
        if (Eui.TryParse(text, out var eui)) return eui;
        if (PartyId.TryParse(text, out var party) && await smi.FindPartyAsync(party, ct) is not null)
        {
            Eui? first = null;
            await foreach (var user in smi.ReadUsersAsync(ct))
                if (user.Party == party && (first is null || user.Id.Value < first.Value.Value)) first = user.Id;
            if (first is { } id) return id;
            error.WriteLine($"{option}: Party {party} has no User ID to key its notices by.");
            return null;
        }
        error.WriteLine($"{option}: '{text}' is neither a Party ID the data folder knows (`openduis export parties` lists them) nor a User ID (8 hex pairs joined by '-').");
        return null;
    }

    private sealed class OpenedRegister(INoticeStore store, ISmiStore smi, IAsyncDisposable owner) : IAsyncDisposable
    {
        public INoticeStore Store => store;
        public ISmiStore Smi => smi;
        public ValueTask DisposeAsync() => owner.DisposeAsync();
    }

    private static async Task<OpenedRegister> OpenAsync(ParseResult parse, CancellationToken ct)
    {
        var stores = await OpenDuis.Storage.DataFolder.Resolve(parse.GetValue(Data)).OpenStoresAsync(ct);
        return new OpenedRegister(stores.Notices, stores.Smi, stores);
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
