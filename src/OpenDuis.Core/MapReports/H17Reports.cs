using OpenDuis.Core.Parties;

namespace OpenDuis.Core.MapReports;

/// <summary>A report request the DCC accepted (H17.4): who asked, in which capacity, how often, when; and the report once generated.</summary>
public sealed record H17ReportRequest(
    long Id,
    string Requester,
    H17Capacity Capacity,
    ReportFrequency Frequency,
    DateTimeOffset RequestedAt,
    DateTimeOffset? GeneratedAt = null,
    long? Meters = null,
    string? File = null);

/// <summary>
/// Where H17 requesters (eligibility and accepted evidence), their request history and the
/// inventory the reports are drawn from are kept.
/// </summary>
public interface IH17ReportStore
{
    /// <summary>Adds or replaces a requester in one capacity (its H17.2 status and H17.3 evidence).</summary>
    Task SaveRequesterAsync(H17Requester requester, CancellationToken cancellationToken = default);

    Task<H17Requester?> FindRequesterAsync(string name, H17Capacity capacity, CancellationToken cancellationToken = default);

    Task<H17ReportRequest> AddRequestAsync(string requester, H17Capacity capacity, ReportFrequency frequency, DateTimeOffset at, CancellationToken cancellationToken = default);

    Task<H17ReportRequest?> FindRequestAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>The requester's accepted requests in that capacity, oldest first.</summary>
    Task<IReadOnlyList<H17ReportRequest>> RequestsAsync(string requester, H17Capacity capacity, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a download key (by its hash) for a requester's reports in one capacity, held by the
    /// requester or, when <paramref name="supplierHolder"/> is given, by its Registered Supplier Party.
    /// </summary>
    Task AddDownloadKeyAsync(string keyHash, string requester, H17Capacity capacity, DateTimeOffset at, PartyId? supplierHolder = null, CancellationToken cancellationToken = default);

    /// <summary>Whether <paramref name="supplier"/> is the Registered Supplier at <paramref name="at"/> of any Smart Meter in the requester's reports.</summary>
    Task<bool> IsRegisteredSupplierForAsync(H17Requester requester, PartyId supplier, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Whose download key this is, or null if it is not one.</summary>
    Task<(string Requester, H17Capacity Capacity)?> FindDownloadKeyAsync(string keyHash, CancellationToken cancellationToken = default);

    Task MarkGeneratedAsync(long id, DateTimeOffset at, long meters, string file, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams, in Smart Meter ID order, one row for every Smart Meter (ESME, GSME) the requester is
    /// MAP or Manufacturer of, with its Registered Supplier(s) at <paramref name="at"/> and its
    /// Communications Hub (from the CHF Device Log, else the Device's own hub association).
    /// </summary>
    IAsyncEnumerable<MeterReportRow> ReadReportRowsAsync(H17Requester requester, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>How many rows <see cref="ReadReportRowsAsync"/> will stream (for progress).</summary>
    Task<long> CountReportMetersAsync(H17Requester requester, CancellationToken cancellationToken = default);
}

/// <summary>
/// Download keys for H17 reports: 256 random bits, shown once to the recipient; only the SHA-256
/// is stored, so a copy of the database lets no one download.
/// </summary>
public static class H17DownloadKeys
{
    public static (string Key, string Hash) Issue()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, Hash(key));
    }

    public static string Hash(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
}

/// <summary>Accepts or refuses H17 report requests against the store's requesters and history.</summary>
public static class H17Reports
{
    /// <summary>H17.2/H17.3 eligibility, then the H17.4 ad hoc limit; an accepted request is recorded.</summary>
    public static async Task<Ruling<H17ReportRequest>> RequestAsync(
        IH17ReportStore store, string requester, H17Capacity capacity, ReportFrequency frequency, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var who = await store.FindRequesterAsync(requester, capacity, cancellationToken).ConfigureAwait(false);
        if (who is null)
            return Ruling<H17ReportRequest>.Refuse("H17.3",
                $"{requester} has given the DCC no evidence that it is the {(capacity == H17Capacity.Manufacturer ? "Manufacturer" : "Meter Asset Provider")} of any Smart Meter");
        if (H17Rules.CheckEligibility(who, at) is { } ineligible) return ineligible;
        var earlier = await store.RequestsAsync(requester, capacity, cancellationToken).ConfigureAwait(false);
        if (H17Rules.CheckFrequency(frequency, at, earlier.Where(r => r.Frequency == ReportFrequency.AdHoc).Select(r => r.RequestedAt)) is { } tooSoon)
            return tooSoon;
        return Ruling<H17ReportRequest>.Allow(await store.AddRequestAsync(requester, capacity, frequency, at, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Writes the report for an accepted request from the live inventory (H17.5) to <paramref name="output"/>,
    /// marked confidential (H17.6/H17.7), and records it as generated at <paramref name="at"/>.
    /// </summary>
    /// <returns>The number of Smart Meters in the report.</returns>
    public static async Task<long> GenerateAsync(
        IH17ReportStore store, H17ReportRequest request, TextWriter output, string file, DateTimeOffset at,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var requester = await store.FindRequesterAsync(request.Requester, request.Capacity, cancellationToken).ConfigureAwait(false)
                        ?? throw new KeyNotFoundException($"Request {request.Id} names {request.Requester}, who is no longer a recorded requester.");
        var meters = await H17ReportWriter.WriteCsvAsync(store.ReadReportRowsAsync(requester, at, cancellationToken), output, requester.Name, at, progress, cancellationToken).ConfigureAwait(false);
        await store.MarkGeneratedAsync(request.Id, at, meters, file, cancellationToken).ConfigureAwait(false);
        return meters;
    }

    /// <summary>
    /// H17.6: a report goes only to its recipient (the requester, in the capacity it asked in).
    /// Null when <paramref name="caller"/> may download <paramref name="report"/>.
    /// </summary>
    public static Refusal? CheckDownload(H17ReportRequest report, (string Requester, H17Capacity Capacity) caller)
    {
        if (caller.Requester == report.Requester && caller.Capacity == report.Capacity) return null;
        return new Refusal("H17.6", $"report {report.Id} was made for another recipient; the DCC provides an H17 report only to the Manufacturer or Meter Asset Provider that requested it");
    }
}
