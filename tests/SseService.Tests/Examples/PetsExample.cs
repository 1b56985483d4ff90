using System.Net.ServerSentEvents;
using System.Text.Json;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Examples;

/// <summary>
/// What every example producer publishes with --once (the original sseserver's pets), and how to
/// check that it arrived: as SSE on /subscribe/pets, with the ids the producer printed.
/// </summary>
internal static class PetsExample
{
    public const string SubscribePath = "/subscribe/pets";

    /// <summary>Two by unary Broadcast, then three over one BroadcastStream, in this order.</summary>
    public static readonly (string Event, string Data)[] Pets =
    [
        ("new-dog", "Corgi"),
        ("new-cat", "Persian"),
        ("new-dog", "Terrier"),
        ("new-dog", "Dachshund"),
        ("new-cat", "LOLcat"),
    ];

    /// <summary>
    /// Asserts that the producer succeeded, that <paramref name="subscriber"/> (the only subscriber)
    /// received the pets, and that the replies the producer printed name those same events.
    /// </summary>
    public static async Task AssertPublishedAsync(ChildProcessResult run, SseSubscriber subscriber)
    {
        Assert.True(run.ExitCode == 0, run.ToString());

        var events = await subscriber.ReadManyAsync(Pets.Length);
        Assert.Equal(Pets, events.Select(e => (e.EventType, e.Data)));
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.EventId), "every event has an id"));

        // "Broadcast /pets/dogs new-dog Corgi: {"id":"…","subscribers":1}", twice, then
        // "BroadcastStream Terrier, Dachshund, LOLcat: {"accepted":"3","lastId":"…"}".
        var replies = run.StandardOutput.Split('\n')
            .Where(line => line.StartsWith("Broadcast", StringComparison.Ordinal))
            .ToList();
        Assert.True(replies.Count == 3, run.ToString());
        AssertUnaryReply(replies[0], "Broadcast /pets/dogs new-dog Corgi: ", events[0]);
        AssertUnaryReply(replies[1], "Broadcast /pets/cats new-cat Persian: ", events[1]);

        var summary = ParseReply(replies[2], "BroadcastStream Terrier, Dachshund, LOLcat: ");
        Assert.Equal("3", summary.GetProperty("accepted").GetString());
        Assert.Equal(events[4].EventId, summary.GetProperty("lastId").GetString());
    }

    private static void AssertUnaryReply(string line, string prefix, SseItem<string> received)
    {
        var reply = ParseReply(line, prefix);
        Assert.Equal(received.EventId, reply.GetProperty("id").GetString());
        Assert.Equal(1, reply.GetProperty("subscribers").GetInt32());
    }

    private static JsonElement ParseReply(string line, string prefix)
    {
        Assert.StartsWith(prefix, line, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(line[prefix.Length..]);
        return document.RootElement.Clone();
    }
}
