using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// SIGTERM drains the streams paced: each gets a retry: chosen across Sse:DrainWindow before its end, so
/// the clients come back spread over the window instead of all in the same instant.
/// </summary>
public sealed partial class DrainTests
{
    private const int Streams = 40;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sigterm_OpenStreams_EachGetsARetryAcrossTheWindowThenItsEndAndTheServiceExitsInTime()
    {
        // Arrange
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Sse__DrainWindow"] = Window.ToString(),
            ["Sse__ShutdownTimeout"] = ShutdownTimeout.ToString(),
        });
        var streams = new List<RawHttpConnection>();
        for (var i = 0; i < Streams; i++)
        {
            var connection = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/drain");
            await connection.ReadUntilAsync(text => text.Contains(": ok\n\n", StringComparison.Ordinal), SseSubscriber.DefaultTimeout);
            streams.Add(connection);
        }

        // Act
        var clock = Stopwatch.StartNew();
        service.SendSigterm();
        var endings = await Task.WhenAll(streams.Select(stream => stream.ReadToEndTextAsync(ShutdownTimeout)));
        await service.WaitForExitAsync(ShutdownTimeout * 2);
        clock.Stop();

        // Assert: one retry: each, as the last thing before a clean end; the values spread over the window.
        var retries = endings.Select(text =>
        {
            var found = RetryLine().Matches(text);
            Assert.Single(found);
            Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
            Assert.True(text.EndsWith(found[0].Value + "\n\n", StringComparison.Ordinal), $"something came after the retry hint: {text}");
            return long.Parse(found[0].Groups[1].Value, CultureInfo.InvariantCulture);
        }).Order().ToArray();
        Assert.All(retries, retry => Assert.InRange(retry, 1, (long)Window.TotalMilliseconds));
        Assert.Equal(Streams, retries.Distinct().Count());
        var quarter = (long)Window.TotalMilliseconds / 4;
        Assert.All(Enumerable.Range(0, 4), q => Assert.Contains(retries, r => r >= q * quarter && r < (q + 1) * quarter));
        Assert.Equal(0, service.ExitCode);
        Assert.True(clock.Elapsed < ShutdownTimeout, $"exit took {clock.Elapsed}, timeout {ShutdownTimeout}\n{service.Output}");
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }

    [GeneratedRegex(@"^retry: (\d+)$", RegexOptions.Multiline)]
    private static partial Regex RetryLine();
}
