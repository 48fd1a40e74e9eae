using System.Diagnostics;
using OpenDuis.Protocol.Domain;
using OpenDuis.TestSupport;
using StbImageSharp;

namespace OpenDuis.Conformance.Tests;

/// <summary>
/// The HTML evidence page rendered by headless Chromium (Debian's <c>chromium</c>): the verdict table is
/// in the rendered DOM, and the screenshot shows the verdict colours where the table is.
/// </summary>
public sealed class HtmlReportScreenshotTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The verdict cells' background colours (HtmlReport's style sheet).
    private static readonly (byte R, byte G, byte B) PassedGreen = (0x1B, 0x7F, 0x3B);
    private static readonly (byte R, byte G, byte B) FailedRed = (0xC6, 0x28, 0x28);

    [Fact]
    public async Task The_report_renders_in_headless_Chromium_with_the_verdict_table_visible()
    {
        if (!File.Exists(Chromium)) throw Prerequisite.Missing($"{Chromium} (Debian package chromium)");
        var folder = Directory.CreateTempSubdirectory("openduis-report-").FullName;
        try
        {
            var html = Path.Combine(folder, "conformance-report.html");
            HtmlReport.Write(SampleRun(), html);

            var dom = await RunChromiumAsync(folder, "--dump-dom", new Uri(html).AbsoluteUri);
            Assert.Contains("<table id=\"verdicts\">", dom, StringComparison.Ordinal);
            Assert.Contains("<td class=\"verdict passed\">passed</td>", dom, StringComparison.Ordinal);
            Assert.Contains("<td class=\"verdict failed\">failed</td>", dom, StringComparison.Ordinal);

            var png = Path.Combine(folder, "report.png");
            await RunChromiumAsync(folder, $"--screenshot={png}", "--window-size=1280,1400", new Uri(html).AbsoluteUri);
            var image = ImageResult.FromMemory(await File.ReadAllBytesAsync(png, Ct), ColorComponents.RedGreenBlue);
            Assert.Equal((1280, 1400), (image.Width, image.Height));
            Assert.True(CountPixels(image, PassedGreen) > 500, "no passed-green verdict cells in the screenshot");
            Assert.True(CountPixels(image, FailedRed) > 500, "no failed-red verdict cells in the screenshot");
            Assert.True(DistinctColours(image) > 16, "the screenshot is blank");
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>Two passed cases and a failed one, with the request and answer texts a real run keeps.</summary>
    private static ConformanceRun SampleRun()
    {
        var at = new DateTimeOffset(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
        var participant = new Participant(Eui.Parse("90-B3-D5-1F-30-10-00-01"), UserRole.ImportSupplier);
        TestCaseResult Case(ResponseCode reference, DeviceGeneration generation, Verdict verdict, ResponseCode actual, string reason) => new()
        {
            Participant = participant, Test = AppendixR.For(reference), Generation = generation, Verdict = verdict, Reason = reason,
            Expected = reference, Actual = actual, Scenario = "8.9 Read Device Log, CV 1, to an ESME", SentAt = at, AnsweredAt = at.AddMilliseconds(12),
            RequestXml = "<sr:Request><sr:Header/></sr:Request>", AnswerText = $"<sr:Response><sr:ResponseCode>{actual}</sr:ResponseCode></sr:Response>", HttpStatus = 200,
        };
        return new ConformanceRun(new Uri("http://127.0.0.1:8079/"), at, at.AddSeconds(1),
        [
            Case(ResponseCode.E11, DeviceGeneration.Smets1, Verdict.Failed, ResponseCode.E12, "Expected E11, answered E12."),
            Case(ResponseCode.E13, DeviceGeneration.Smets1, Verdict.Passed, ResponseCode.E13, "Answered E13."),
            Case(ResponseCode.E19, DeviceGeneration.Smets2Plus, Verdict.Passed, ResponseCode.E19, "Answered E19."),
        ]);
    }

    private static int CountPixels(ImageResult image, (byte R, byte G, byte B) colour)
    {
        var n = 0;
        for (var i = 0; i + 2 < image.Data.Length; i += 3)
            if (image.Data[i] == colour.R && image.Data[i + 1] == colour.G && image.Data[i + 2] == colour.B) n++;
        return n;
    }

    private static int DistinctColours(ImageResult image)
    {
        var colours = new HashSet<int>();
        for (var i = 0; i + 2 < image.Data.Length && colours.Count <= 16; i += 3)
            colours.Add(image.Data[i] << 16 | image.Data[i + 1] << 8 | image.Data[i + 2]);
        return colours.Count;
    }

    private static async Task<string> RunChromiumAsync(string profile, params string[] args)
    {
        var psi = new ProcessStartInfo(Chromium) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-color-profile=srgb",
                     "--no-first-run", $"--user-data-dir={Path.Combine(profile, "chromium-profile")}", .. args])
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw Prerequisite.Missing(Chromium);
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException) { process.Kill(true); throw; }
        Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
