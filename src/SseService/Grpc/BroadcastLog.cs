using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace SseService.Grpc;

internal static partial class BroadcastLog
{
    [LoggerMessage(EventId = 101, EventName = "PublishRejected", Level = LogLevel.Debug,
        Message = "Publish rejected with {StatusCode}: {Detail}")]
    public static partial void Rejected(ILogger logger, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 102, EventName = "ProducerStreamEnded", Level = LogLevel.Debug,
        Message = "Producer stream ended with {Accepted} messages accepted")]
    public static partial void StreamEnded(ILogger logger, ulong accepted);

    [LoggerMessage(EventId = 103, EventName = "GrpcSubscribeRejected", Level = LogLevel.Debug,
        Message = "gRPC Subscribe rejected with {StatusCode}: {Detail}")]
    public static partial void SubscribeRejected(ILogger logger, StatusCode statusCode, string detail);
}
