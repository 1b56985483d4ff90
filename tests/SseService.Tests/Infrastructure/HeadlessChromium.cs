using Microsoft.Playwright;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium), headless, driven by Playwright: no browser download.
/// Started with the flags this sandbox needs (root, no GPU, no outside network).
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <param name="arguments">Chromium flags besides the sandbox's, e.g. which certificate to trust.</param>
    public static async Task<HeadlessChromium> LaunchAsync(params string[] arguments)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: apt-get install chromium (.ci/run does)");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                .. arguments,
            ],
        });
        return new HeadlessChromium(playwright, browser);
    }

    /// <summary>Where screenshots go: kept after the run as test artifacts.</summary>
    public static string ArtifactPath(string fileName)
    {
        var directory = Environment.GetEnvironmentVariable("TEST_ARTIFACTS_DIR") ?? Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, fileName);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
