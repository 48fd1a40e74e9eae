using Microsoft.Playwright;
using OpenDuis.TestSupport;

namespace OpenDuis.OperatorConsole.Tests;

/// <summary>
/// Debian's Chromium (installed by .ci/run), driven through Playwright's protocol driver: the
/// browser is the machine's, never one Playwright downloads. Missing under CI=true fails the test.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];

    private readonly IPlaywright _playwright;
    public IBrowser Browser { get; }

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public const string MissingReason = "Chromium (Debian package chromium: apt-get install chromium)";

    public static bool IsInstalled => Candidates.Any(File.Exists);

    public static async Task<Chromium> LaunchAsync()
    {
        var path = Candidates.FirstOrDefault(File.Exists) ?? throw Prerequisite.Missing(MissingReason);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            // Tests run as root in CI, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        return new Chromium(playwright, browser);
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        page.SetDefaultTimeout(15_000);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}
