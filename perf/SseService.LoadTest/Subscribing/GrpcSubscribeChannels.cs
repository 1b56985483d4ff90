using Grpc.Net.Client;
using Sse.V1;

namespace SseService.LoadTest.Subscribing;

/// <summary>
/// The gRPC channels of a --grpc-subscribe run: one per <see cref="CallsPerChannel"/> subscribers, so
/// the Subscribe calls are multiplexed over a few HTTP/2 connections (Kestrel allows 100 streams per
/// connection by default: a full channel stays one connection), as a service consuming events would.
/// </summary>
internal sealed class GrpcSubscribeChannels : IDisposable
{
    public const int CallsPerChannel = 100;

    private readonly GrpcChannel[] _channels;
    private readonly Broadcaster.BroadcasterClient[] _clients;

    public GrpcSubscribeChannels(Uri grpcUrl, int subscribers)
    {
        _channels = new GrpcChannel[(subscribers + CallsPerChannel - 1) / CallsPerChannel];
        _clients = new Broadcaster.BroadcasterClient[_channels.Length];
        for (var i = 0; i < _channels.Length; i++)
        {
            _channels[i] = GrpcChannel.ForAddress(grpcUrl, new GrpcChannelOptions
            {
                // A second connection only if the server allows fewer than 100 streams on one.
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
                MaxReceiveMessageSize = null,
            });
            _clients[i] = new Broadcaster.BroadcasterClient(_channels[i]);
        }
    }

    public int Count => _channels.Length;

    public Broadcaster.BroadcasterClient ClientFor(int subscriber) => _clients[subscriber / CallsPerChannel];

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
