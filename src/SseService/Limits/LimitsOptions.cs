using System.ComponentModel.DataAnnotations;

namespace SseService.Limits;

/// <summary>The <c>Sse:Limits</c> section: what one client or producer may take. 0 turns a limit off.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Sse:Limits";

    /// <summary>Open SSE streams on this instance; one more is answered 503 with Retry-After.</summary>
    [Range(0, int.MaxValue)]
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>Open SSE streams from one client address; one more is answered 429 with Retry-After.</summary>
    [Range(0, int.MaxValue)]
    public int MaxConnectionsPerClient { get; set; }

    /// <summary>
    /// New SSE streams this instance lets start per second (a fixed one-second window), so that a
    /// reconnect storm is let in at a pace; one more is answered 503 with Retry-After. 0 (the default): unlimited.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxNewConnectionsPerSecond { get; set; }

    /// <summary>Messages a second one producer (credential, or client address without auth) may publish; bursts up to one second's worth.</summary>
    [Range(0, int.MaxValue)]
    public int MaxPublishRatePerProducer { get; set; }

    /// <summary>BroadcastStream calls open at once on this instance.</summary>
    [Range(0, int.MaxValue)]
    public int MaxProducerStreams { get; set; } = 1_000;

    /// <summary>The Retry-After sent with 503 and 429.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}

[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class LimitsOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<LimitsOptions>;
