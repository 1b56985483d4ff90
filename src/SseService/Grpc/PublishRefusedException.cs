using Grpc.Core;

namespace SseService.Grpc;

/// <summary>
/// Thrown while a producer stream is read, by a check that refuses one message (permission, rate):
/// the service ends the stream with this status and the count accepted before it.
/// </summary>
public sealed class PublishRefusedException(StatusCode statusCode, string detail) : Exception(detail)
{
    public StatusCode StatusCode { get; } = statusCode;
}
