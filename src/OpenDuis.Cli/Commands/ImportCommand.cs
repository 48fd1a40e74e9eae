using System.CommandLine;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Storage;
using OpenDuis.Storage.Csv;
using Spectre.Console;

namespace OpenDuis.Cli.Commands;

/// <summary><c>openduis import devices|parties|registrations FILE.csv</c>: all rows or none.</summary>
internal static class ImportCommand
{
    public const int Rejected = 1;

    public static Command Create()
    {
        var import = new Command("import", "Import Devices, Parties/Users or Registration Data from CSV: every row is validated, and nothing is written unless all are valid.");
        foreach (var kind in Enum.GetValues<CsvKind>())
            import.Subcommands.Add(CreateFor(kind));
        return import;
    }

    private static Command CreateFor(CsvKind kind)
    {
        var data = InitCommand.DataOption();
        var file = new Argument<FileInfo>("file") { Description = $"CSV with the header: {SmiCsv.Header(kind)}" };
        var command = new Command(kind.ToString().ToLowerInvariant(), $"Import {kind.ToString().ToLowerInvariant()} from CSV.") { file, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                error.WriteLine($"{path.FullName}: no such file.");
                return 2;
            }
            await using var store = await DataFolder.Resolve(parse.GetValue(data)).OpenStoreAsync(cancellationToken);
            ImportResult result;
            if (path.Length > 1 << 20 && AnsiConsole.Profile.Capabilities.Interactive)
            {
                result = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var validating = ctx.AddTask("Validating", maxValue: path.Length);
                        var writing = ctx.AddTask("Writing", maxValue: path.Length, autoStart: false);
                        var progress = new Progress<ImportProgress>(p =>
                        {
                            var task = p.Phase == ImportPhase.Validating ? validating : writing;
                            if (!task.IsStarted) task.StartTask();
                            task.Value = p.BytesRead;
                        });
                        var r = await CsvImporter.ImportAsync(store, kind, path.FullName, progress, cancellationToken);
                        validating.Value = path.Length;
                        if (r.Succeeded) writing.Value = path.Length;
                        return r;
                    });
            }
            else
            {
                result = await CsvImporter.ImportAsync(store, kind, path.FullName, cancellationToken: cancellationToken);
            }

            if (!result.Succeeded)
            {
                foreach (var e in result.Errors) error.WriteLine($"{path.Name}: {e}");
                if (result.ErrorCount > result.Errors.Count)
                    error.WriteLine($"… and {result.ErrorCount - result.Errors.Count} more.");
                error.WriteLine($"{result.ErrorCount} bad row(s) in {result.RowsRead}; nothing was imported.");
                return Rejected;
            }
            output.WriteLine($"Imported {result.RowsWritten} {kind.ToString().ToLowerInvariant()} into {store.Description}.");
            if (kind == CsvKind.Devices)
            {
                // Every emulated Device holds its own keys and Device Certificates (GBCS; the SMKI Repository serves them).
                var folder = DataFolder.Resolve(parse.GetValue(data));
                try
                {
                    using var deviceKeys = await folder.OpenDeviceKeysAsync(cancellationToken: cancellationToken);
                    var issued = await DataFolder.EnsureDeviceKeysAsync(store, deviceKeys, cancellationToken);
                    output.WriteLine($"Issued Device keys and certificates to {issued} Device(s) in {(deviceKeys.Vault is FolderDeviceKeyVault kept ? kept.Folder : "the database")}.");
                }
                catch (InvalidDataException e)
                {
                    error.WriteLine($"Imported, but Device keys were not issued: {e.Message}");
                    return Rejected;
                }
            }
            // Registration Data and Users change only here: the DCC Schedules their owners lost the right to end now (N17, N37, N40).
            IReadOnlyList<Core.Schedules.RemovedSchedule> removed;
            try
            {
                removed = await Server.Schedules.ScheduleRemovalAfterImport.RunAsync(DataFolder.Resolve(parse.GetValue(data)), kind, path.FullName, TimeProvider.System, cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                error.WriteLine($"Imported, but the DCC Schedules it affects were not reviewed: {e.Message} They end at their next occurrence instead.");
                return Rejected;
            }
            foreach (var r in removed)
                output.WriteLine($"Removed DCC Schedule {r.Schedule.Id} of {r.Schedule.Owner} on {r.Schedule.DeviceId} ({r.RefusedWith}): {r.Removal.AlertCode} DSPScheduleRemoval to its owner.");
            return 0;
        });
        return command;
    }
}
