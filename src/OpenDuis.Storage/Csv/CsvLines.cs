using System.Runtime.CompilerServices;
using System.Text;

namespace OpenDuis.Storage.Csv;

/// <summary>One data line of a CSV file: its 1-based line number in the file and its fields.</summary>
public readonly record struct CsvRow(long Line, string[] Fields);

/// <summary>
/// Streams a CSV file (RFC 4180 quoting, one record per line, first line a header) row by row, so
/// a file of millions of rows is read in bounded memory. Reports the bytes consumed for progress.
/// </summary>
public static class CsvLines
{
    public static async IAsyncEnumerable<CsvRow> ReadAsync(Stream stream, string expectedHeader, IProgress<long>? bytesRead = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var header = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (header is null || !string.Equals(Normalise(header), Normalise(expectedHeader), StringComparison.OrdinalIgnoreCase))
            throw new CsvFormatException(1, $"the header must be \"{expectedHeader}\" but is \"{header}\".");
        long line = 1;
        var lastReport = 0L;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            if (bytesRead is not null && stream.CanSeek && (line & 0x3FFF) == 0 && stream.Position != lastReport)
                bytesRead.Report(lastReport = stream.Position);
            yield return new CsvRow(line, Split(text, line));
        }
        if (bytesRead is not null && stream.CanSeek) bytesRead.Report(stream.Position);
    }

    private static string Normalise(string header) => header.Replace(" ", "", StringComparison.Ordinal).TrimStart('\uFEFF');

    private static string[] Split(string text, long line)
    {
        var fields = new List<string>(16);
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new CsvFormatException(line, "a quoted field is not closed (fields may not span lines).");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(text[i++]);
                }
                if (i < text.Length && text[i] != ',') throw new CsvFormatException(line, "a quoted field is followed by text before the next comma.");
            }
            else
            {
                var next = text.IndexOf(',', i);
                var end = next < 0 ? text.Length : next;
                field.Append(text, i, end - i);
                i = end;
            }
            fields.Add(field.ToString().Trim());
            if (i >= text.Length) break;
            i++; // the comma
            if (i == text.Length) { fields.Add(""); break; }
        }
        return [.. fields];
    }

    /// <summary>A field as CSV: quoted when it holds a comma, a quote or surrounding spaces.</summary>
    public static string Quote(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || value.Trim().Length != value.Length
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }
}

/// <summary>A CSV line that cannot be read at all (as opposed to a row with a bad value).</summary>
internal sealed class CsvFormatException(long line, string message) : FormatException($"line {line}: {message}")
{
    public long Line { get; } = line;
}
