using System.ComponentModel.DataAnnotations;

namespace SseService.Hub;

/// <summary>
/// The <c>Sse:History</c> section: how much recent traffic is kept so that reconnecting clients
/// (<c>Last-Event-ID</c>) get what they missed. The first bound reached evicts the oldest events.
/// </summary>
public sealed class HistoryOptions
{
    /// <summary>Most events kept; 0 turns history (and so resume) off.</summary>
    [Range(0, 10_000_000)]
    public int MaxEvents { get; set; } = 10_000;

    /// <summary>Most bytes of encoded events kept.</summary>
    [Range(0, long.MaxValue)]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Oldest event kept.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Type of the event sent first to a client that resumes from an id the history no longer (or
    /// never) held: it may have missed events and should reload its state.
    /// </summary>
    [Required]
    [RegularExpression("^[^\\r\\n\\0]+$")]
    public string ResetEventType { get; set; } = "sse-reset";
}
