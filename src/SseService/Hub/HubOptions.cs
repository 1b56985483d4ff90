using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SseService.Hub;

/// <summary>The <c>Sse</c> configuration section: limits and timings of the fan-out hub.</summary>
public sealed class HubOptions
{
    public const string SectionName = "Sse";

    /// <summary>How often an idle stream gets a keep-alive comment, so proxies keep it open.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Frames a subscriber may have queued; one more and it is disconnected as too slow.</summary>
    [Range(1, 1_000_000)]
    public int SubscriberQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// A subscriber whose oldest queued event has waited this long is cut as too slow (checked on the
    /// keep-alive timer), however few events it has queued.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest <c>data</c> accepted, in UTF-8 bytes.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxDataBytes { get; set; } = 64 * 1024;

    /// <summary>Longest namespace accepted, in characters.</summary>
    [Range(1, 4096)]
    public int MaxNamespaceLength { get; set; } = 256;

    /// <summary>Most segments a namespace may have.</summary>
    [Range(1, 256)]
    public int MaxNamespaceDepth { get; set; } = 16;

    /// <summary>Longest <c>event</c> type or producer-supplied <c>id</c>, in characters.</summary>
    [Range(1, 4096)]
    public int MaxFieldLength { get; set; } = 256;

    /// <summary>Most namespaces one stream may listen on (<c>?namespace=</c> repeated, and the path's).</summary>
    [Range(1, 1024)]
    public int MaxNamespacesPerStream { get; set; } = 32;

    /// <summary>Whether <c>/subscribe/</c> (the root, which receives everything) is open.</summary>
    public bool AllowRootSubscription { get; set; } = true;

    /// <summary>How long shutdown waits for in-flight requests before the process exits.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Initial <c>retry:</c> hint sent to every new stream, in milliseconds; 0 sends none.</summary>
    [Range(0, int.MaxValue)]
    public int RetryMilliseconds { get; set; }

    /// <summary>
    /// Most events a new stream may ask for with <c>?backlog=N</c> (the last N its namespace received,
    /// from the history); 0 turns the backlog off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxBacklog { get; set; } = 100;

    /// <summary>The recent events kept for resume (<c>Sse:History</c>).</summary>
    [ValidateObjectMembers]
    public HistoryOptions History { get; set; } = new();

    public NamespaceRules NamespaceRules => new(MaxNamespaceLength, MaxNamespaceDepth);
}

[OptionsValidator]
internal sealed partial class HubOptionsValidator : IValidateOptions<HubOptions>;
