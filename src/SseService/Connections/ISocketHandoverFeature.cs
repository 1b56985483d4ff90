namespace SseService.Connections;

/// <summary>
/// On connections of <see cref="OwnedSocketTransportFactory"/>: lets a request whose response has not
/// started write its response body straight to the socket, bypassing the HTTP layer's output.
/// </summary>
public interface ISocketHandoverFeature
{
    /// <summary>
    /// Waits until everything the HTTP layer already wrote is sent, then lends the socket: from then on
    /// the connection discards what the HTTP layer writes and what the client sends. Null when the
    /// connection is already closing or was handed over before.
    /// </summary>
    ValueTask<IHandedOverSocket?> TakeOverAsync();
}
