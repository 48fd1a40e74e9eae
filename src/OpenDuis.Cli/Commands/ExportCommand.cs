using System.CommandLine;
using System.Text;
using OpenDuis.Storage;
using OpenDuis.Storage.Csv;

namespace OpenDuis.Cli.Commands;

/// <summary><c>openduis export devices|parties|registrations [--out FILE]</c>: the import layouts, streamed.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var export = new Command("export", "Export Devices, Parties/Users or Registration Data as CSV (the layouts import reads).");
        foreach (var kind in Enum.GetValues<CsvKind>())
            export.Subcommands.Add(CreateFor(kind));
        return export;
    }

    private static Command CreateFor(CsvKind kind)
    {
        var data = InitCommand.DataOption();
        var output = new Option<FileInfo?>("--out") { Description = "Write to this file instead of standard output." };
        var command = new Command(kind.ToString().ToLowerInvariant(), $"Export {kind.ToString().ToLowerInvariant()} as CSV.") { data, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var store = await DataFolder.Resolve(parse.GetValue(data)).OpenStoreAsync(cancellationToken);
            if (parse.GetValue(output) is { } file)
            {
                await using var writer = new StreamWriter(file.FullName, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
                var count = await CsvExporter.ExportAsync(store, kind, writer, cancellationToken);
                parse.InvocationConfiguration.Error.WriteLine($"Exported {count} {kind.ToString().ToLowerInvariant()} to {file.FullName}.");
            }
            else
            {
                await CsvExporter.ExportAsync(store, kind, parse.InvocationConfiguration.Output, cancellationToken);
            }
            return 0;
        });
        return command;
    }
}
