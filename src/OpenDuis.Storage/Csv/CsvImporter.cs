using System.Runtime.CompilerServices;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Csv;

/// <summary>A row that cannot be imported: its line in the file and why.</summary>
public readonly record struct RowError(long Line, string Message)
{
    public override string ToString() => Line > 0 ? $"line {Line}: {Message}" : Message;
}

/// <summary>How far an import has got: which pass, and how many bytes of the file it has read.</summary>
public readonly record struct ImportProgress(ImportPhase Phase, long BytesRead, long TotalBytes);

public enum ImportPhase
{
    Validating,
    Writing,
}

/// <summary>The outcome: rows written (0 unless every row was valid), and the errors found.</summary>
public sealed record ImportResult(long RowsWritten, long RowsRead, IReadOnlyList<RowError> Errors, long ErrorCount)
{
    public bool Succeeded => ErrorCount == 0;
}

/// <summary>
/// Imports a CSV file into the SMI store, all or nothing: a first streaming pass validates every
/// row (reporting each bad row by line number, the first <see cref="MaxReportedErrors"/> in full);
/// only a clean file is written, by a second streaming pass inside one transaction, so a failure
/// the database finds (a Device already present) also leaves nothing behind. Memory stays bounded
/// whatever the file's size.
/// </summary>
public static class CsvImporter
{
    public const int MaxReportedErrors = 100;

    public static async Task<ImportResult> ImportAsync(ISmiStore store, CsvKind kind, string path, IProgress<ImportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var total = new FileInfo(path).Length;
        var errors = new List<RowError>();
        long errorCount = 0, rows = 0;

        // Pass 1: validate.
        await using (var stream = OpenRead(path))
        {
            var bytes = progress is null ? null : new Progress<long>(b => progress.Report(new ImportProgress(ImportPhase.Validating, b, total)));
            try
            {
                await foreach (var row in CsvLines.ReadAsync(stream, SmiCsv.Header(kind), new SyncProgress(bytes), cancellationToken).ConfigureAwait(false))
                {
                    rows++;
                    if (Validate(kind, row.Fields) is { } error)
                    {
                        errorCount++;
                        if (errors.Count < MaxReportedErrors) errors.Add(new RowError(row.Line, error));
                    }
                }
            }
            catch (CsvFormatException e)
            {
                errorCount++;
                errors.Add(new RowError(e.Line, e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]));
            }
        }
        if (errorCount > 0) return new ImportResult(0, rows, errors, errorCount);

        // Pass 2: write, in one transaction.
        var cursor = new LineCursor();
        await using (var stream = OpenRead(path))
        {
            var bytes = progress is null ? null : new SyncProgress(new Progress<long>(b => progress.Report(new ImportProgress(ImportPhase.Writing, b, total))));
            var source = CsvLines.ReadAsync(stream, SmiCsv.Header(kind), bytes, cancellationToken);
            try
            {
                var written = kind switch
                {
                    CsvKind.Devices => await store.ImportDevicesAsync(Parse(source, cursor, static f => SmiCsv.TryParseDevice(f, out var d, out _) ? d : null!), cancellationToken).ConfigureAwait(false),
                    CsvKind.Parties => await store.ImportUsersAsync(Parse(source, cursor, static f => SmiCsv.TryParseUser(f, out var u, out _) ? u : default), cancellationToken).ConfigureAwait(false),
                    CsvKind.Registrations => await store.ImportRegistrationsAsync(Parse(source, cursor, static f => SmiCsv.TryParseRegistration(f, out var r, out _) ? r : null!), cancellationToken).ConfigureAwait(false),
                    _ => throw new ArgumentOutOfRangeException(nameof(kind)),
                };
                return new ImportResult(written, rows, [], 0);
            }
            catch (Exception e) when (e is DuplicateDeviceException or KeyNotFoundException or ArgumentException or InvalidOperationException)
            {
                // The transaction rolled back: nothing was written.
                var line = e is DuplicateDeviceException { Device: not null } ? cursor.Line : 0;
                return new ImportResult(0, rows, [new RowError(line, e.Message)], 1);
            }
        }
    }

    private static string? Validate(CsvKind kind, string[] fields) => kind switch
    {
        CsvKind.Devices => SmiCsv.TryParseDevice(fields, out _, out var e) ? null : e,
        CsvKind.Parties => SmiCsv.TryParseUser(fields, out _, out var e) ? null : e,
        CsvKind.Registrations => SmiCsv.TryParseRegistration(fields, out _, out var e) ? null : e,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static async IAsyncEnumerable<T> Parse<T>(IAsyncEnumerable<CsvRow> rows, LineCursor cursor, Func<string[], T> parse,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            cursor.Line = row.Line;
            yield return parse(row.Fields);
        }
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);

    /// <summary>The line of the row being written, to name it if the database refuses it.</summary>
    private sealed class LineCursor
    {
        public long Line { get; set; }
    }

    /// <summary>Forwards progress reports, tolerating a null target.</summary>
    private sealed class SyncProgress(IProgress<long>? inner) : IProgress<long>
    {
        public void Report(long value) => inner?.Report(value);
    }
}

/// <summary>Writes the SMI store's contents as CSV in the import layouts, streaming.</summary>
public static class CsvExporter
{
    public static async Task<long> ExportAsync(ISmiStore store, CsvKind kind, TextWriter writer, CancellationToken cancellationToken = default)
    {
        await writer.WriteLineAsync(SmiCsv.Header(kind)).ConfigureAwait(false);
        long count = 0;
        switch (kind)
        {
            case CsvKind.Devices:
                await foreach (var d in store.ReadDevicesAsync(cancellationToken).ConfigureAwait(false))
                {
                    await writer.WriteLineAsync(SmiCsv.Format(d)).ConfigureAwait(false);
                    count++;
                }
                break;
            case CsvKind.Parties:
                var parties = (await store.PartiesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.Id);
                await foreach (var u in store.ReadUsersAsync(cancellationToken).ConfigureAwait(false))
                {
                    await writer.WriteLineAsync(SmiCsv.Format(parties[u.Party], u)).ConfigureAwait(false);
                    count++;
                }
                break;
            case CsvKind.Registrations:
                await foreach (var r in store.ReadRegistrationsAsync(cancellationToken).ConfigureAwait(false))
                {
                    await writer.WriteLineAsync(SmiCsv.Format(r)).ConfigureAwait(false);
                    count++;
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }
}
