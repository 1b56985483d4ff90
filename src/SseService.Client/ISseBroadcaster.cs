using Grpc.Core;
using Sse.V1;

namespace SseService.Client;

/// <summary>
/// Publishes to SseService over gRPC (<c>sse.v1.Broadcaster</c>). A thin layer over
/// <see cref="Broadcaster.BroadcasterClient"/>, which stays available from the container for anything else.
/// </summary>
public interface ISseBroadcaster
{
    /// <summary>Publishes one event (<c>Broadcast</c>) and returns once the service accepted it.</summary>
    /// <param name="ns">Absolute namespace, e.g. <c>/pets/dogs</c>.</param>
    /// <param name="data">The payload; line breaks are allowed (sent as several <c>data:</c> lines).</param>
    /// <param name="eventType">The SSE event type; <see langword="null"/> or empty for the default <c>message</c>.</param>
    /// <param name="id">The event id; <see langword="null"/> or empty to let the server assign one (recommended: server ids resume best).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The event's id and how many connections of this instance it was queued to.</returns>
    /// <exception cref="RpcException"><c>INVALID_ARGUMENT</c> or <c>RESOURCE_EXHAUSTED</c> for bad input, with a message naming the field.</exception>
    Task<SsePublishResult> PublishAsync(string ns, string data, string? eventType = null, string? id = null, CancellationToken cancellationToken = default);

    /// <summary>Publishes one message as given (for example with <see cref="SseMessage.RetryMs"/> set).</summary>
    Task<SsePublishResult> PublishAsync(SseMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a <c>BroadcastStream</c> call: write messages to <see cref="AsyncClientStreamingCall{TRequest, TResponse}.RequestStream"/>,
    /// then <c>CompleteAsync()</c> it and await <see cref="AsyncClientStreamingCall{TRequest, TResponse}.ResponseAsync"/>
    /// for the summary. Dispose the call when done. No default deadline applies.
    /// </summary>
    AsyncClientStreamingCall<SseMessage, BroadcastSummary> OpenStream(CancellationToken cancellationToken = default);
}

/// <summary>What the service answered to one publish.</summary>
/// <param name="Id">The event's id: the producer's, or the one the server assigned.</param>
/// <param name="Subscribers">Connections of the receiving instance the event was queued to.</param>
public readonly record struct SsePublishResult(string Id, int Subscribers);
