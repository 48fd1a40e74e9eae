using OpenDuis.Core.MapReports;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Tests.MapReports;

public class H17RulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly H17Requester Map = new("Meter Finance Ltd", H17Capacity.MeterAssetProvider, IsParty: false, SignedEnablingServicesAgreement: true, Now.AddDays(-30));

    [Fact]
    public void H17_2_a_Party_or_SESA_signatory_with_accepted_evidence_is_eligible()
    {
        Assert.Null(H17Rules.CheckEligibility(Map, Now));
        Assert.Null(H17Rules.CheckEligibility(Map with { IsParty = true, SignedEnablingServicesAgreement = false }, Now));
    }

    [Fact]
    public void H17_2_neither_Party_nor_SESA_signatory_is_refused()
    {
        var refusal = H17Rules.CheckEligibility(Map with { SignedEnablingServicesAgreement = false }, Now);
        Assert.Equal("H17.2", refusal!.Clause);
        Assert.Contains("Specimen Enabling Services Agreement", refusal.Reason);
    }

    [Fact]
    public void H17_3_no_report_until_the_evidence_is_accepted()
    {
        var refusal = H17Rules.CheckEligibility(Map with { EvidenceAcceptedAt = null }, Now);
        Assert.Equal("H17.3", refusal!.Clause);
        Assert.Contains("Meter Asset Provider", refusal.Reason);
        Assert.Equal("H17.3", H17Rules.CheckEligibility(Map with { EvidenceAcceptedAt = Now.AddDays(1) }, Now)!.Clause);
    }

    [Theory]
    [InlineData(ReportFrequency.Quarterly)]
    [InlineData(ReportFrequency.Monthly)]
    public void H17_4_standing_requests_are_not_limited(ReportFrequency frequency) =>
        Assert.Null(H17Rules.CheckFrequency(frequency, Now, [Now.AddDays(-1)]));

    [Fact]
    public void H17_4_first_ad_hoc_request_of_the_month_is_allowed() =>
        Assert.Null(H17Rules.CheckFrequency(ReportFrequency.AdHoc, Now, [new DateTimeOffset(2026, 10, 31, 23, 30, 0, TimeSpan.Zero)]));

    [Fact]
    public void H17_4_a_second_ad_hoc_request_in_the_month_is_refused_with_the_next_allowed_date()
    {
        var refusal = H17Rules.CheckFrequency(ReportFrequency.AdHoc, Now, [new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero)]);
        Assert.Equal("H17.4", refusal!.Clause);
        Assert.Contains("on 2026-11-02", refusal.Reason);
        Assert.Contains("from 2026-12-01T00:00:00+00:00", refusal.Reason);
    }

    [Fact]
    public void H17_4_months_are_UK_calendar_months()
    {
        // 23:30 UTC on 31 May is 00:30 BST on 1 June: a June request, so a later June one is the second.
        var refusal = H17Rules.CheckFrequency(ReportFrequency.AdHoc, new DateTimeOffset(2026, 6, 20, 10, 0, 0, TimeSpan.Zero), [new DateTimeOffset(2026, 5, 31, 23, 30, 0, TimeSpan.Zero)]);
        Assert.Contains("from 2026-07-01T00:00:00+01:00", refusal!.Reason);
    }
}

public class H17ReportWriterTests
{
    private static MeterReportRow Row(int i, string model = "E470") => new(
        new Eui(0x00DB_1234_5600_0000UL + (ulong)i), DeviceType.ESME, model, "Landis+Gyr", "0x0102", SmiStatus.Commissioned, CspRegion.North,
        [new RegisteredSupplier(PartyId.Parse("IMPORT-SUPPLIER"), new DateOnly(2024, 1, 1)), new RegisteredSupplier(PartyId.Parse("EXPORT-SUPPLIER"), new DateOnly(2025, 6, 1))],
        "Toshiba", "CH-2", "0x0300");

    private static async IAsyncEnumerable<MeterReportRow> Rows(int count, Func<int, MeterReportRow>? make = null)
    {
        for (var i = 0; i < count; i++)
        {
            yield return (make ?? (n => Row(n)))(i);
            if (i % 1000 == 0) await Task.Yield();
        }
    }

    [Fact]
    public async Task H17_5_and_H17_6_the_report_is_marked_confidential_and_carries_fields_a_to_g()
    {
        var csv = new StringWriter();
        var written = await H17ReportWriter.WriteCsvAsync(Rows(2), csv, "Meter Finance Ltd", new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), cancellationToken: TestContext.Current.CancellationToken);

        var lines = csv.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, written);
        Assert.StartsWith("# CONFIDENTIAL: SEC Section H17 report for Meter Finance Ltd", lines[0]);
        Assert.Contains("Registered Supplier Party", lines[1]);
        Assert.Contains("Section M4", lines[2]);
        Assert.Equal(string.Join(',', H17ReportWriter.Columns), lines[3]);
        Assert.Equal("00-DB-12-34-56-00-00-01,ESME,E470,Landis+Gyr,0x0102,Commissioned,North,IMPORT-SUPPLIER from 2024-01-01;EXPORT-SUPPLIER from 2025-06-01,Toshiba,CH-2,0x0300", lines[5]);
    }

    [Fact]
    public async Task Fields_are_quoted_and_formulas_neutralised()
    {
        var csv = new StringWriter();
        await H17ReportWriter.WriteCsvAsync(Rows(1, _ => Row(0, "=HYPERLINK(\"x\",\"y\")")), csv, "M", DateTimeOffset.UnixEpoch, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(",\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",", csv.ToString());
    }

    [Fact]
    public async Task Progress_is_reported_while_streaming()
    {
        var reports = new List<long>();
        var progress = new SynchronousProgress(reports.Add);
        await H17ReportWriter.WriteCsvAsync(Rows(25_000), TextWriter.Null, "M", DateTimeOffset.UnixEpoch, progress, TestContext.Current.CancellationToken);
        Assert.Equal([10_000L, 20_000L, 25_000L], reports);
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
