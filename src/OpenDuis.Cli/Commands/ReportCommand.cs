using System.CommandLine;
using System.Text;
using OpenDuis.Core;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.MapReports;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage;
using Spectre.Console;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis report requester|request|generate|list</c>: MAP and Manufacturer reports (SEC H17, as
/// amended by MP260), kept in the data folder's database; generated files under &lt;data&gt;/reports.
/// </summary>
internal static class ReportCommand
{
    public const int Refused = 1;
    public const int BadInput = 2;

    public static Command Create()
    {
        var report = new Command("report", "Meter Asset Provider and Manufacturer reports (SEC H17).");
        report.Subcommands.Add(CreateRequester());
        report.Subcommands.Add(CreateRequest());
        report.Subcommands.Add(CreateGenerate());
        report.Subcommands.Add(CreateList());
        report.Subcommands.Add(CreateKey());
        return report;
    }

    /// <summary>The folder a data folder's reports are written to (readable by its owner only).</summary>
    public static string ReportsFolder(DataFolder folder) => Path.Combine(folder.Path, "reports");

    private static Option<string> AsOption() => new("--as")
    {
        Description = "The requester: the Party's ID, or the name of a Specimen Enabling Services Agreement signatory.",
        Required = true,
    };

    private static Option<string> KindOption()
    {
        var kind = new Option<string>("--kind") { Description = "The capacity it asks in: map (Meter Asset Provider) or manufacturer.", Required = true };
        kind.AcceptOnlyFromAmong("map", "manufacturer");
        return kind;
    }

    private static H17Capacity Capacity(string kind) => kind == "map" ? H17Capacity.MeterAssetProvider : H17Capacity.Manufacturer;

    private static async Task<(IAsyncDisposable Store, IH17ReportStore Reports)> OpenAsync(DataFolder folder, CancellationToken cancellationToken)
    {
        var stores = await folder.OpenStoresAsync(cancellationToken);
        return (stores, stores.H17Reports);
    }

    private static Command CreateRequester()
    {
        var data = InitCommand.DataOption();
        var who = AsOption();
        var kind = KindOption();
        var mapId = new Option<string?>("--map-id") { Description = "As MAP: the identity Devices name as their Meter Asset Provider (an EUI-64 User ID)." };
        var manufacturerId = new Option<string?>("--manufacturer-id") { Description = "As Manufacturer: its identifier as the Central Products List holds it (e.g. 106C)." };
        var party = new Option<bool>("--party") { Description = "It is a SEC Party (H17.2(a))." };
        var sesa = new Option<bool>("--sesa") { Description = "It has signed an agreement in the form of the Specimen Enabling Services Agreement (H17.2(b))." };
        var evidence = new Option<string?>("--evidence-accepted")
        {
            Description = "When the DCC accepted its evidence of being the MAP or Manufacturer (H17.3): ISO 8601, or 'now'. Kept if omitted.",
        };
        var command = new Command("requester", "Record who may ask for H17 reports: its status (H17.2) and accepted evidence (H17.3).")
        {
            data, who, kind, mapId, manufacturerId, party, sesa, evidence,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var capacity = Capacity(parse.GetValue(kind)!);
            Eui? map = null;
            if (parse.GetValue(mapId) is { } mapText)
            {
                if (!Eui.TryParse(mapText, out var parsed))
                {
                    error.WriteLine($"--map-id: '{mapText}' is not an EUI-64 (e.g. 90-B3-D5-1F-30-05-00-00).");
                    return BadInput;
                }
                map = parsed;
            }
            var manufacturer = parse.GetValue(manufacturerId);
            if (capacity == H17Capacity.MeterAssetProvider && map is null)
            {
                error.WriteLine("--map-id is required for a Meter Asset Provider: the report covers the Devices naming it as MAP.");
                return BadInput;
            }
            if (capacity == H17Capacity.Manufacturer && string.IsNullOrWhiteSpace(manufacturer))
            {
                error.WriteLine("--manufacturer-id is required for a Manufacturer: the report covers the Devices it made.");
                return BadInput;
            }
            DateTimeOffset? accepted = null;
            if (parse.GetValue(evidence) is { } evidenceText)
            {
                if (evidenceText == "now") accepted = DateTimeOffset.UtcNow;
                else if (UkLocalTime.TryParse(evidenceText, out var at, out var problem)) accepted = at;
                else
                {
                    error.WriteLine($"--evidence-accepted: {problem}");
                    return BadInput;
                }
            }

            var (store, reports) = await OpenAsync(DataFolder.Resolve(parse.GetValue(data)), cancellationToken);
            await using var _ = store;
            var name = parse.GetValue(who)!.Trim();
            var earlier = await reports.FindRequesterAsync(name, capacity, cancellationToken);
            var requester = new H17Requester(name, capacity, parse.GetValue(party), parse.GetValue(sesa), accepted ?? earlier?.EvidenceAcceptedAt)
            {
                MeterAssetProviderId = map,
                ManufacturerId = manufacturer?.Trim(),
            };
            await reports.SaveRequesterAsync(requester, cancellationToken);
            parse.InvocationConfiguration.Output.WriteLine(
                $"{name} recorded as {Describe(capacity)}: {(requester.IsParty ? "a Party" : requester.SignedEnablingServicesAgreement ? "a SESA signatory" : "neither a Party nor a SESA signatory")}, " +
                (requester.EvidenceAcceptedAt is { } e ? $"evidence accepted {UkLocalTime.Format(e)}." : "evidence not yet accepted."));
            return 0;
        });
        return command;
    }

    private static Command CreateRequest()
    {
        var data = InitCommand.DataOption();
        var who = AsOption();
        var kind = KindOption();
        var frequency = new Option<string>("--frequency") { Description = "quarterly, monthly or adhoc (ad hoc: not more than once each month, H17.4).", Required = true };
        frequency.AcceptOnlyFromAmong("quarterly", "monthly", "adhoc");
        var command = new Command("request", "Ask for H17 reports; prints the request's ID, or why it is refused (exit 1).") { data, who, kind, frequency };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (store, reports) = await OpenAsync(DataFolder.Resolve(parse.GetValue(data)), cancellationToken);
            await using var _ = store;
            var how = parse.GetValue(frequency) switch { "quarterly" => ReportFrequency.Quarterly, "monthly" => ReportFrequency.Monthly, _ => ReportFrequency.AdHoc };
            var ruling = await H17Reports.RequestAsync(reports, parse.GetValue(who)!.Trim(), Capacity(parse.GetValue(kind)!), how, DateTimeOffset.UtcNow, cancellationToken);
            if (!ruling.IsAllowed)
            {
                parse.InvocationConfiguration.Error.WriteLine($"Refused ({ruling.Refusal.Clause}): {ruling.Refusal.Reason}.");
                return Refused;
            }
            var r = ruling.Value;
            parse.InvocationConfiguration.Output.WriteLine($"Request {r.Id} accepted: {r.Frequency} reports for {r.Requester} as {Describe(r.Capacity)} ({UkLocalTime.Format(r.RequestedAt)}).");
            return 0;
        });
        return command;
    }

    private static Command CreateGenerate()
    {
        var data = InitCommand.DataOption();
        var id = new Argument<long>("request") { Description = "The accepted request's ID." };
        var command = new Command("generate", "Generate the report for an accepted request from the live inventory, as CSV under <data>/reports.") { id, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = DataFolder.Resolve(parse.GetValue(data));
            var (store, reports) = await OpenAsync(folder, cancellationToken);
            await using var _ = store;
            var request = await reports.FindRequestAsync(parse.GetValue(id), cancellationToken);
            if (request is null)
            {
                parse.InvocationConfiguration.Error.WriteLine($"There is no H17 report request {parse.GetValue(id)}.");
                return BadInput;
            }
            var requester = await reports.FindRequesterAsync(request.Requester, request.Capacity, cancellationToken);
            // Eligibility is checked again: evidence may have been withdrawn since the request (H17.3).
            if (requester is null)
            {
                parse.InvocationConfiguration.Error.WriteLine($"Refused (H17.3): {request.Requester} is no longer a recorded requester.");
                return Refused;
            }
            if (H17Rules.CheckEligibility(requester, DateTimeOffset.UtcNow) is { } refusal)
            {
                parse.InvocationConfiguration.Error.WriteLine($"Refused ({refusal.Clause}): {refusal.Reason}.");
                return Refused;
            }

            var directory = OpenDuis.Protocol.Keys.OwnerOnly.CreateDirectory(ReportsFolder(folder));
            var path = Path.Combine(directory.FullName, $"h17-{request.Id}.csv");
            var at = DateTimeOffset.UtcNow;
            long meters;
            await using (var writer = new StreamWriter(OpenDuis.Protocol.Keys.OwnerOnly.Create(path), new UTF8Encoding(false), bufferSize: 1 << 16))
            {
                if (AnsiConsole.Profile.Capabilities.Interactive)
                {
                    var total = await reports.CountReportMetersAsync(requester, cancellationToken);
                    meters = await AnsiConsole.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                        .StartAsync(async ctx =>
                        {
                            var task = ctx.AddTask($"H17 report {request.Id}", maxValue: Math.Max(total, 1));
                            var n = await H17Reports.GenerateAsync(reports, request, writer, path, at, new Progress<long>(v => task.Value = v), cancellationToken);
                            task.Value = task.MaxValue;
                            return n;
                        });
                }
                else
                {
                    meters = await H17Reports.GenerateAsync(reports, request, writer, path, at, cancellationToken: cancellationToken);
                }
            }
            parse.InvocationConfiguration.Output.WriteLine($"Report {request.Id}: {meters} Smart Meter(s) written to {path} (CONFIDENTIAL, H17.6).");
            return 0;
        });
        return command;
    }

    private static Command CreateList()
    {
        var data = InitCommand.DataOption();
        var who = AsOption();
        var kind = KindOption();
        var command = new Command("list", "List a requester's accepted requests and the reports generated for them.") { data, who, kind };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (store, reports) = await OpenAsync(DataFolder.Resolve(parse.GetValue(data)), cancellationToken);
            await using var _ = store;
            var output = parse.InvocationConfiguration.Output;
            foreach (var r in await reports.RequestsAsync(parse.GetValue(who)!.Trim(), Capacity(parse.GetValue(kind)!), cancellationToken))
                output.WriteLine($"{r.Id}\t{r.Frequency}\t{UkLocalTime.Format(r.RequestedAt)}\t" +
                                 (r.GeneratedAt is { } g ? $"generated {UkLocalTime.Format(g)}, {r.Meters} meter(s)" : "not generated"));
            return 0;
        });
        return command;
    }

    private static Command CreateKey()
    {
        var data = InitCommand.DataOption();
        var who = AsOption();
        var kind = KindOption();
        var supplier = new Option<string?>("--for-supplier")
        {
            Description = "Issue the key to the recipient's Registered Supplier Party (H17.6), which must be the Registered Supplier of at least one of its Smart Meters.",
        };
        var command = new Command("key", "Issue a download key for a requester's reports (H17.6); it is shown once, only its hash is kept.") { data, who, kind, supplier };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (store, reports) = await OpenAsync(DataFolder.Resolve(parse.GetValue(data)), cancellationToken);
            await using var _ = store;
            var name = parse.GetValue(who)!.Trim();
            var capacity = Capacity(parse.GetValue(kind)!);
            if (await reports.FindRequesterAsync(name, capacity, cancellationToken) is not { } requester)
            {
                parse.InvocationConfiguration.Error.WriteLine($"{name} is not a recorded {Describe(capacity)} requester (openduis report requester).");
                return BadInput;
            }
            PartyId? holder = null;
            if (parse.GetValue(supplier) is { } supplierText)
            {
                if (!PartyId.TryParse(supplierText, out var party))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"--for-supplier: '{supplierText}' is not a Party ID.");
                    return BadInput;
                }
                if (!await reports.IsRegisteredSupplierForAsync(requester, party, DateTimeOffset.UtcNow, cancellationToken))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"Refused (H17.6): {party} is not the Registered Supplier of any Smart Meter in {name}'s reports, so it is a third party the reports may not be shared with.");
                    return Refused;
                }
                holder = party;
            }
            var (key, hash) = H17DownloadKeys.Issue();
            await reports.AddDownloadKeyAsync(hash, name, capacity, DateTimeOffset.UtcNow, holder, cancellationToken);
            parse.InvocationConfiguration.Output.WriteLine(key);
            parse.InvocationConfiguration.Error.WriteLine($"Download key for {(holder is { } h ? $"{h}, Registered Supplier Party of " : "")}{name} as {Describe(capacity)}: send it as 'Authorization: Bearer <key>' to GET /reports/h17/{{id}}. It is not shown again.");
            return 0;
        });
        return command;
    }

    private static string Describe(H17Capacity capacity) => capacity == H17Capacity.Manufacturer ? "Manufacturer" : "Meter Asset Provider";
}
