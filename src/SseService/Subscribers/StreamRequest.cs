using SseService.Hub;

namespace SseService.Subscribers;

/// <summary>What a transport brings to open a stream, already parsed from its own wire format.</summary>
/// <param name="Credential">The credential presented (bearer token or API key), or null.</param>
/// <param name="Backlog">How many past events a new stream asks for (0: none); a Last-Event-ID wins over it.</param>
public sealed record StreamRequest(NamespacePath Namespace, string? LastEventId, string? Credential, SubscriberInfo Info)
{
    public int Backlog { get; init; }

    /// <summary>Every namespace asked for, in the order given (<see cref="Namespace"/> alone unless set).</summary>
    public IReadOnlyList<NamespacePath> Namespaces { get; init; } = [Namespace];
}
