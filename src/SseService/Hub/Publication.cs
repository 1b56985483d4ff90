namespace SseService.Hub;

/// <summary>A validated message to publish: what a producer sent, in the hub's terms.</summary>
/// <param name="Namespace">Where it goes; subscribers of this namespace and its ancestors get it.</param>
/// <param name="EventType">SSE <c>event:</c> field; empty for the default "message".</param>
/// <param name="Data">The payload; CR, LF and CRLF split it into several <c>data:</c> lines.</param>
/// <param name="Id">Producer-supplied id, or empty to have the hub assign one.</param>
/// <param name="RetryMilliseconds">SSE <c>retry:</c> hint; 0 for none.</param>
public readonly record struct Publication(NamespacePath Namespace, string EventType, string Data, string Id, uint RetryMilliseconds);

/// <summary>What the hub did with a publication.</summary>
/// <param name="Id">The event id subscribers see.</param>
/// <param name="Subscribers">Local subscriptions it was queued to.</param>
public readonly record struct PublishResult(string Id, int Subscribers);
