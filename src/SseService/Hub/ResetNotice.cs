using System.Text.Json.Serialization;

namespace SseService.Hub;

/// <summary>The data of the reset event: which id could not be resumed, and why.</summary>
/// <param name="LastEventId">The id the client sent.</param>
/// <param name="Reason">"too_old" (the history no longer reaches back to it) or "unknown".</param>
public sealed record ResetNotice(
    [property: JsonPropertyName("lastEventId")] string LastEventId,
    [property: JsonPropertyName("reason")] string Reason);

[JsonSerializable(typeof(ResetNotice))]
internal sealed partial class HubJsonContext : JsonSerializerContext;
