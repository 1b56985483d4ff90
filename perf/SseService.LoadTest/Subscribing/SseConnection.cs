using System.Net.Sockets;

namespace SseService.LoadTest.Subscribing;

/// <summary>An open event stream: its socket (non-blocking for the reader), its framing, and body bytes read along with the head.</summary>
internal sealed record SseConnection(Socket Socket, bool IsChunked, byte[] BodyStart);
