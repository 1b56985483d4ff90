using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sse.V1;
using SseService.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SseService clients in an <see cref="IServiceCollection"/>.</summary>
public static class SseClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gRPC <see cref="Broadcaster.BroadcasterClient"/> (through Grpc.Net.ClientFactory)
    /// and <see cref="ISseBroadcaster"/> over it. <see cref="SseBroadcasterOptions.Address"/> is required
    /// and checked when the host starts (or, without a host, when the client is first resolved).
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configure">Sets the options, at least <see cref="SseBroadcasterOptions.Address"/>.</param>
    /// <returns>The client factory's builder, to add interceptors, handlers or channel settings.</returns>
    public static IHttpClientBuilder AddSseBroadcaster(this IServiceCollection services, Action<SseBroadcasterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<SseBroadcasterOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SseBroadcasterOptions>, SseBroadcasterOptionsValidator>());
        services.TryAddTransient<ISseBroadcaster, SseBroadcaster>();

        // Reading the options here runs the validator, so a missing address fails with its message,
        // not with the client factory's generic one.
        return services
            .AddGrpcClient<Broadcaster.BroadcasterClient>((provider, factory) =>
                factory.Address = provider.GetRequiredService<IOptions<SseBroadcasterOptions>>().Value.Address)
            .AddInterceptor(provider => new DefaultDeadlineInterceptor(
                provider.GetRequiredService<IOptions<SseBroadcasterOptions>>().Value.DefaultDeadline,
                provider.GetService<TimeProvider>() ?? TimeProvider.System));
    }

    /// <summary>
    /// Registers <see cref="SseSubscriptionClient"/> as a typed HTTP client (infinite timeout, as a
    /// stream never ends). <see cref="SseSubscriptionClientOptions.Address"/> is required and checked
    /// when the host starts (or, without a host, when the client is first resolved).
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configure">Sets the options, at least <see cref="SseSubscriptionClientOptions.Address"/>.</param>
    /// <returns>The HTTP client's builder, to add handlers. Avoid handlers with a total request timeout
    /// (such as a standard resilience handler's): they would cut every stream.</returns>
    public static IHttpClientBuilder AddSseSubscriptionClient(this IServiceCollection services, Action<SseSubscriptionClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<SseSubscriptionClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SseSubscriptionClientOptions>, SseSubscriptionClientOptionsValidator>());

        return services
            .AddHttpClient(nameof(SseSubscriptionClient), (provider, http) =>
            {
                http.BaseAddress = provider.GetRequiredService<IOptions<SseSubscriptionClientOptions>>().Value.Address;
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddTypedClient((http, provider) => new SseSubscriptionClient(
                http,
                provider.GetRequiredService<IOptions<SseSubscriptionClientOptions>>().Value,
                provider.GetService<ILogger<SseSubscriptionClient>>(),
                provider.GetService<TimeProvider>() ?? TimeProvider.System));
    }
}
