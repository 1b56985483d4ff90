using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SseService.Client;

/// <summary>Gives unary calls that set no deadline the configured default one.</summary>
internal sealed class DefaultDeadlineInterceptor(TimeSpan? deadline, TimeProvider time) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithDefaultDeadline(context));

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithDefaultDeadline(context));

    private ClientInterceptorContext<TRequest, TResponse> WithDefaultDeadline<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class =>
        deadline is { } timeout && context.Options.Deadline is null
            ? new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithDeadline(time.GetUtcNow().UtcDateTime + timeout))
            : context;
}
