using System.Threading.RateLimiting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using SseService.Limits;
using SseService.Security;
using SseService.Telemetry;

namespace SseService.Grpc;

/// <summary>
/// Producer limits: messages a second per producer (a token bucket per credential, or per client
/// address when publishing is open) and open BroadcastStream calls. Both answer RESOURCE_EXHAUSTED.
/// </summary>
internal sealed class PublishLimitsInterceptor : Interceptor, IDisposable
{
    private readonly LimitsOptions _options;
    private readonly SseCounters _counters;
    private readonly PartitionedRateLimiter<string>? _rate;
    private int _streams;

    public PublishLimitsInterceptor(IOptions<LimitsOptions> options, SseCounters counters)
    {
        _options = options.Value;
        _counters = counters;
        if (_options.MaxPublishRatePerProducer > 0)
        {
            var perSecond = _options.MaxPublishRatePerProducer;
            _rate = PartitionedRateLimiter.Create<string, string>(producer => RateLimitPartition.GetTokenBucketLimiter(producer, _ =>
                new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        }
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!TryTakeRateToken(ProducerOf(context)))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, RateRefusal));
        }

        return continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (_options.MaxProducerStreams > 0 && Interlocked.Increment(ref _streams) > _options.MaxProducerStreams)
        {
            Interlocked.Decrement(ref _streams);
            _counters.LimitRejected("producer_streams");
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"too many producer streams open (limit {_options.MaxProducerStreams}, Sse:Limits:MaxProducerStreams); retry later"));
        }

        try
        {
            var producer = ProducerOf(context);
            return await continuation(_rate is null ? requestStream : new CheckedStreamReader<TRequest>(requestStream, _ =>
            {
                if (!TryTakeRateToken(producer))
                {
                    throw new PublishRefusedException(StatusCode.ResourceExhausted, RateRefusal);
                }
            }), context);
        }
        finally
        {
            if (_options.MaxProducerStreams > 0)
            {
                Interlocked.Decrement(ref _streams);
            }
        }
    }

    public void Dispose() => _rate?.Dispose();

    private string RateRefusal =>
        $"publish rate over {_options.MaxPublishRatePerProducer} messages a second (Sse:Limits:MaxPublishRatePerProducer); slow down";

    private bool TryTakeRateToken(string producer)
    {
        if (_rate is null)
        {
            return true;
        }

        using var lease = _rate.AttemptAcquire(producer);
        if (!lease.IsAcquired)
        {
            _counters.LimitRejected("publish_rate");
        }

        return lease.IsAcquired;
    }

    /// <summary>The credential when there is one (the same producer from any address), else the client address.</summary>
    private static string ProducerOf(ServerCallContext context) =>
        GrpcCredential.From(context) is { } credential
            ? "credential:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(credential)))
            : "peer:" + (context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? context.Peer);
}
