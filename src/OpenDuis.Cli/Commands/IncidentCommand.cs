using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpenDuis.Core;
using OpenDuis.Core.Incidents;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis incident …</c>: the security incident register (SEC G3.4–G3.5AA, Appendix AG 2.1.3,
/// 2.10.10). The register is kept in the data folder's database, or in a JSON file given with --register.
/// </summary>
internal static class IncidentCommand
{
    private const int Refused = 1;
    private const int BadInput = 2;

    private static readonly Option<FileInfo?> Register = new("--register")
    {
        Description = "Keep the register in this JSON file (created if absent) instead of the data folder's database.",
    };

    private static readonly Option<string?> Data = InitCommand.DataOption();

    private static readonly Argument<string> Id = new("id") { Description = "The incident's id, as printed by 'incident raise'." };

    public static Command Create()
    {
        var incident = new Command("incident", "The security incident register (SEC G3.4–G3.5AA, Appendix AG).");
        incident.Options.Add(Register);
        Register.Recursive = true;
        incident.Options.Add(Data);
        Data.Recursive = true;
        foreach (var command in new[] { Raise(), List(), Show(), AddParty(), Classify(), IsmsSteps(), Notify(), AlreadyAware() })
            incident.Subcommands.Add(command);
        return incident;
    }

    private static Command Raise()
    {
        var user = new Option<string>("--user") { Description = "The User (EUI-64) in whose User Systems the incident occurred.", Required = true };
        var summary = new Option<string>("--summary") { Description = "What happened.", Required = true };
        var detected = new Option<string>("--detected") { Description = "When it was detected (ISO 8601; without offset, UK local time).", Required = true };
        var major = new Option<bool>("--major") { Description = "It is a Major Security Incident (G3.5 notifications owed)." };
        var raisedBy = new Option<string?>("--raised-by") { Description = "The Incident Party raising it (EUI-64); the User by default." };
        var kind = new Option<string>("--raised-by-kind") { Description = "user, rdp or dcc.", DefaultValueFactory = _ => "user" };
        kind.AcceptOnlyFromAmong("user", "rdp", "dcc");
        var eventClause = new Option<string?>("--event-clause") { Description = "The unauthorised event's type, by clause: G3.1, G3.2 or G3.3 (G3.4 steps then owed)." };
        eventClause.AcceptOnlyFromAmong([.. UnauthorisedEvent.Clauses]);
        var eventText = new Option<string?>("--event") { Description = "The unauthorised event, described." };

        var command = new Command("raise", "Record an incident in the register.") { user, summary, detected, major, raisedBy, kind, eventClause, eventText };
        command.SetAction((parse, ct) => Run(parse, async (register, error) =>
        {
            if (!TryEui(parse.GetValue(user), "--user", error, out var userEui)) return null;
            var raiser = userEui;
            if (parse.GetValue(raisedBy) is { } raiserText && !TryEui(raiserText, "--raised-by", error, out raiser)) return null;
            if (!TryTime(parse.GetValue(detected), "--detected", error, out var detectedAt)) return null;
            UnauthorisedEvent? unauthorised = null;
            if (parse.GetValue(eventClause) is { } clause)
                unauthorised = new UnauthorisedEvent(clause, parse.GetValue(eventText) ?? parse.GetValue(summary)!);
            return await register.RaiseAsync(userEui, parse.GetValue(summary)!, detectedAt, parse.GetValue(major),
                new IncidentParty(raiser, ParseKind(parse.GetValue(kind)!)), unauthorised, ct);
        }, ct));
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List the incidents in the register and what each still owes.");
        command.SetAction(async (parse, ct) =>
        {
            await using var opened = await OpenAsync(parse, ct);
            var store = opened.Store;
            var output = parse.InvocationConfiguration.Output;
            foreach (var incident in await store.AllAsync(ct))
                output.WriteLine($"{incident.Id}  {UkLocalTime.Format(incident.DetectedAt)}  {(incident.IsMajor ? "MAJOR" : "     ")}  {incident.User}  {incident.Summary}  [{incident.Outstanding().Count} outstanding]");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", "Show one incident: parties, G3.4 steps, G3.5 notifications and what is outstanding.") { Id };
        command.SetAction(async (parse, ct) =>
        {
            await using var opened = await OpenAsync(parse, ct);
            var store = opened.Store;
            if (!IncidentId.TryParse(parse.GetValue(Id), out var id) || await store.FindAsync(id, ct) is not { } incident)
            {
                parse.InvocationConfiguration.Error.WriteLine($"No incident '{parse.GetValue(Id)}' in the register.");
                return BadInput;
            }
            Print(incident, parse.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    private static Command AddParty()
    {
        var party = new Option<string>("--party") { Description = "The Incident Party (EUI-64).", Required = true };
        var kind = new Option<string>("--kind") { Description = "user, rdp or dcc.", Required = true };
        kind.AcceptOnlyFromAmong("user", "rdp", "dcc");
        var command = new Command("add-party", "Add an Incident Party (an RDP only to a Major Security Incident, AG 2.1.3).") { Id, party, kind };
        command.SetAction((parse, ct) => Change(parse, ct, (register, id, error) =>
            TryEui(parse.GetValue(party), "--party", error, out var eui)
                ? register.AddPartyAsync(id, new IncidentParty(eui, ParseKind(parse.GetValue(kind)!)), ct)
                : null));
        return command;
    }

    private static Command Classify()
    {
        var major = new Option<bool>("--major") { Description = "true: a Major Security Incident; false: not one.", Required = true };
        var command = new Command("classify", "Make an incident a Major Security Incident or not.") { Id, major };
        command.SetAction((parse, ct) => Change(parse, ct, (register, id, _) => register.ClassifyAsync(id, parse.GetValue(major), ct)));
        return command;
    }

    private static Command IsmsSteps()
    {
        var steps = new Option<string>("--steps") { Description = "The steps the User Information Security Management System required.", Required = true };
        var at = new Option<string?>("--at") { Description = "When they were taken (default: now)." };
        var command = new Command("isms-steps", "Record the G3.4 steps taken.") { Id, steps, at };
        command.SetAction((parse, ct) => Change(parse, ct, (register, id, error) =>
            TryTimeOrNow(parse.GetValue(at), "--at", error, out var when) ? register.RecordIsmsStepsAsync(id, parse.GetValue(steps)!, when, ct) : null));
        return command;
    }

    private static Command Notify()
    {
        var to = new Option<string>("--to") { Description = "dcc, panel or ssc.", Required = true };
        to.AcceptOnlyFromAmong("dcc", "panel", "ssc");
        var at = new Option<string?>("--at") { Description = "When the notification was made (default: now)." };
        var command = new Command("notify", "Record a G3.5 notification of a Major Security Incident.") { Id, to, at };
        command.SetAction((parse, ct) => Change(parse, ct, (register, id, error) =>
            TryTimeOrNow(parse.GetValue(at), "--at", error, out var when) ? register.RecordNotificationAsync(id, ParseBody(parse.GetValue(to)!), when, ct) : null));
        return command;
    }

    private static Command AlreadyAware()
    {
        var reason = new Option<string>("--reason") { Description = "Why the User is satisfied that they already know.", Required = true };
        var aware = new Option<string[]>("--aware") { Description = "Who is already aware: dcc panel ssc (all three are needed).", Required = true, AllowMultipleArgumentsPerToken = true };
        aware.AcceptOnlyFromAmong("dcc", "panel", "ssc");
        var command = new Command("already-aware", "Record the G3.5AA reason no notification is needed.") { Id, reason, aware };
        command.SetAction((parse, ct) => Change(parse, ct, (register, id, _) =>
            register.RecordAlreadyAwareAsync(id, parse.GetValue(reason)!, [.. parse.GetValue(aware)!.Select(ParseBody)], ct)));
        return command;
    }

    private static Task<int> Change(ParseResult parse, CancellationToken ct, Func<IncidentRegister, IncidentId, TextWriter, Task<Ruling<SecurityIncident>>?> change) =>
        Run(parse, async (register, error) =>
        {
            if (!IncidentId.TryParse(parse.GetValue(Id), out var id))
            {
                error.WriteLine($"'{parse.GetValue(Id)}' is not an incident id.");
                return null;
            }
            return change(register, id, error) is { } pending ? await pending : (Ruling<SecurityIncident>?)null;
        }, ct);

    private static async Task<int> Run(ParseResult parse, Func<IncidentRegister, TextWriter, Task<Ruling<SecurityIncident>?>> act, CancellationToken ct)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        await using var opened = await OpenAsync(parse, ct);
        var store = opened.Store;
        Ruling<SecurityIncident>? ruling;
        try
        {
            ruling = await act(new IncidentRegister(store, TimeProvider.System), error);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
        {
            error.WriteLine(e.Message);
            return BadInput;
        }
        if (ruling is not { } outcome) return BadInput;
        if (!outcome.IsAllowed)
        {
            error.WriteLine($"Refused ({outcome.Refusal.Clause}): {outcome.Refusal.Reason}.");
            return Refused;
        }
        await opened.SaveAsync(ct);
        Print(outcome.Value, output);
        return 0;
    }

    private static void Print(SecurityIncident incident, TextWriter output)
    {
        output.WriteLine($"Incident {incident.Id}");
        output.WriteLine($"  User:       {incident.User}");
        output.WriteLine($"  Summary:    {incident.Summary}");
        output.WriteLine($"  Detected:   {UkLocalTime.Format(incident.DetectedAt)}");
        output.WriteLine($"  Major Security Incident: {(incident.IsMajor ? "yes (" + string.Join(", ", incident.ApplicableAgClauses) + " apply)" : "no")}");
        output.WriteLine($"  Parties:    {string.Join(", ", incident.Parties.Select(p => $"{p.Party} ({p.Kind})"))}");
        if (incident.Event is { } e) output.WriteLine($"  Event ({e.Clause}): {e.Description}");
        if (incident.IsmsSteps is { } s) output.WriteLine($"  G3.4 steps at {UkLocalTime.Format(s.TakenAt)}: {s.Description}");
        foreach (var n in incident.Notifications)
            output.WriteLine($"  G3.5 {IncidentRules.Name(n.To)}: {n.Status}{(n.At is { } at ? " at " + UkLocalTime.Format(at) : "")}");
        if (incident.AlreadyAware is { } a) output.WriteLine($"  G3.5AA reason: {a.Reason}");
        foreach (var o in incident.Outstanding()) output.WriteLine($"  Outstanding: {o}");
    }

    private static IncidentPartyKind ParseKind(string text) => text switch
    {
        "rdp" => IncidentPartyKind.RegistrationDataProvider,
        "dcc" => IncidentPartyKind.Dcc,
        _ => IncidentPartyKind.User,
    };

    private static NotifiedBody ParseBody(string text) => text switch
    {
        "dcc" => NotifiedBody.Dcc,
        "panel" => NotifiedBody.Panel,
        "ssc" => NotifiedBody.SecuritySubCommittee,
        _ => throw new ArgumentException($"'{text}' is not dcc, panel or ssc."),
    };

    private static bool TryEui(string? text, string option, TextWriter error, out Eui eui)
    {
        if (Eui.TryParse(text, out eui)) return true;
        error.WriteLine($"{option}: '{text}' is not an EUI-64 (8 hex pairs joined by '-').");
        return false;
    }

    private static bool TryTime(string? text, string option, TextWriter error, out DateTimeOffset at)
    {
        if (UkLocalTime.TryParse(text, out at, out var problem)) return true;
        error.WriteLine($"{option}: {problem}");
        return false;
    }

    private static bool TryTimeOrNow(string? text, string option, TextWriter error, out DateTimeOffset at)
    {
        if (text is not null) return TryTime(text, option, error, out at);
        at = TimeProvider.System.GetUtcNow();
        return true;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(), new EuiConverter() },
    };

    /// <summary>The register: the data folder's database, or the JSON file given with --register (saved after a change).</summary>
    private sealed class OpenedRegister(IIncidentStore store, FileInfo? file, IAsyncDisposable? owner) : IAsyncDisposable
    {
        public IIncidentStore Store => store;

        public Task SaveAsync(CancellationToken ct) =>
            file is not null && store is InMemoryIncidentStore memory ? IncidentCommand.SaveAsync(file, memory, ct) : Task.CompletedTask;

        public ValueTask DisposeAsync() => owner?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    private static async Task<OpenedRegister> OpenAsync(ParseResult parse, CancellationToken ct)
    {
        if (parse.GetValue(Register) is { } file) return new OpenedRegister(await LoadAsync(file, ct), file, null);
        var stores = await OpenDuis.Storage.DataFolder.Resolve(parse.GetValue(Data)).OpenStoresAsync(ct);
        return new OpenedRegister(stores.Incidents, null, stores);
    }

    private static async Task<InMemoryIncidentStore> LoadAsync(FileInfo file, CancellationToken ct)
    {
        if (!file.Exists) return new InMemoryIncidentStore();
        await using var stream = file.OpenRead();
        return new InMemoryIncidentStore(await JsonSerializer.DeserializeAsync<List<SecurityIncident>>(stream, Json, ct) ?? []);
    }

    private static async Task SaveAsync(FileInfo file, InMemoryIncidentStore store, CancellationToken ct)
    {
        var temporary = file.FullName + ".tmp";
        await using (var stream = File.Create(temporary))
            await JsonSerializer.SerializeAsync(stream, await store.AllAsync(ct), Json, ct);
        File.Move(temporary, file.FullName, overwrite: true);
    }

    private sealed class EuiConverter : JsonConverter<Eui>
    {
        public override Eui Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Eui.TryParse(reader.GetString(), out var eui) ? eui : throw new JsonException($"'{reader.GetString()}' is not an EUI-64.");

        public override void Write(Utf8JsonWriter writer, Eui value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
