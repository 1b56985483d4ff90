using SseService.Hub;

namespace SseService.Subscribers;

/// <summary>What a transport brings to open a stream, already parsed from its own wire format.</summary>
/// <param name="Credential">The credential presented (bearer token or API key), or null.</param>
public sealed record StreamRequest(NamespacePath Namespace, string? LastEventId, string? Credential, SubscriberInfo Info)
{
    /// <summary>Every namespace asked for, in the order given (<see cref="Namespace"/> alone unless set).</summary>
    public IReadOnlyList<NamespacePath> Namespaces { get; init; } = [Namespace];
}
