using Grpc.Core;
using Sse.V1;

namespace SseService.Client;

/// <summary>The <see cref="ISseBroadcaster"/> registered by <see cref="Microsoft.Extensions.DependencyInjection.SseClientServiceCollectionExtensions.AddSseBroadcaster"/>.</summary>
/// <param name="client">The gRPC client, as the client factory configured it.</param>
public sealed class SseBroadcaster(Broadcaster.BroadcasterClient client) : ISseBroadcaster
{
    /// <inheritdoc />
    public Task<SsePublishResult> PublishAsync(string ns, string data, string? eventType = null, string? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(data);
        return PublishAsync(new SseMessage { Namespace = ns, Data = data, Event = eventType ?? "", Id = id ?? "" }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<SsePublishResult> PublishAsync(SseMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reply = await client.BroadcastAsync(message, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new SsePublishResult(reply.Id, checked((int)reply.Subscribers));
    }

    /// <inheritdoc />
    public AsyncClientStreamingCall<SseMessage, BroadcastSummary> OpenStream(CancellationToken cancellationToken = default) =>
        client.BroadcastStream(cancellationToken: cancellationToken);
}
