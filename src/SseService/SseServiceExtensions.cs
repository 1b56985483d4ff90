using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SseService.Admin;
using Microsoft.AspNetCore.Connections;
using SseService.Backplane;
using SseService.Connections;
using SseService.Grpc;
using SseService.Hub;
using SseService.Limits;
using SseService.Security;
using SseService.Sse;
using SseService.Subscribers;
using SseService.Telemetry;

namespace SseService;

/// <summary>Registers and maps everything the service is made of; Program.cs only calls these.</summary>
public static class SseServiceExtensions
{
    // Room for the other fields and protobuf framing on top of the largest data accepted, so an
    // oversized message is refused by validation (with a precise message) rather than the transport.
    private const int EnvelopeAllowanceBytes = 64 * 1024;

    public static IHostApplicationBuilder AddSseService(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(HubOptions.SectionName);

        services.AddOptionsWithValidateOnStart<HubOptions, HubOptionsValidator>().Bind(section);
        services.AddOptionsWithValidateOnStart<SubscribeOptions, SubscribeOptionsValidator>().Bind(section);
        services.AddOptions<HostOptions>().Configure<IOptions<HubOptions>>(
            (host, hub) => host.ShutdownTimeout = hub.Value.ShutdownTimeout);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SseCounters>();
        services.AddSingleton<SseInstrumentation>();
        services.AddOptionsWithValidateOnStart<PrometheusOptions>().Bind(builder.Configuration.GetSection(PrometheusOptions.SectionName));
        services.AddSingleton<SseHub>();
        builder.AddRedisBackplaneIfConfigured();
        services.TryAddSingleton<IEventPublisher, LocalEventPublisher>();
        services.AddHostedService<KeepAliveService>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, SocketSendBuffer>();
        services.AddSingleton<SendScheduler>();
        services.AddSingleton<StreamAdmission>();
        services.AddOptionsWithValidateOnStart<DrainOptions, DrainOptionsValidator>().Bind(section);
        services.AddSingleton<IValidateOptions<DrainOptions>, DrainWithinShutdown>();
        services.AddSingleton<StreamDrain>();
        if (section.GetValue(nameof(SubscribeOptions.DirectSocketWrites), defaultValue: true))
        {
            // The Http endpoint on sockets of our own, so a stream can borrow its socket (Connections/).
            services.AddSingleton<HttpEndpointAddresses>();
            services.AddSingleton<IConfigureOptions<KestrelServerOptions>>(provider => provider.GetRequiredService<HttpEndpointAddresses>());
            services.AddSingleton<IConnectionListenerFactory, OwnedSocketTransportFactory>();
        }
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, ResumeRequestLimits>();

        // The admin page's stream runs on a hub of its own, so watching never shows up in the counters.
        services.AddOptions<AdminOptions>().Bind(section);
        services.AddSingleton<StatusReporter>();
        services.AddKeyedSingleton(AdminEndpoints.AdminHubKey, (provider, _) => new SseHub(
            Options.Create(new HubOptions { SubscriberQueueCapacity = 16, History = new HistoryOptions { MaxEvents = 0 } }),
            provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AdminStatusPublisher>();
        if (!section.GetValue<bool>(nameof(AdminOptions.DisableAdminEndpoints)))
        {
            services.AddHostedService(provider => provider.GetRequiredService<AdminStatusPublisher>());
        }

        // Who may publish, subscribe and administer; what one client may take.
        services.AddOptionsWithValidateOnStart<AuthOptions, AuthOptionsValidator>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName));
        services.AddOptionsWithValidateOnStart<LimitsOptions, LimitsOptionsValidator>().Bind(builder.Configuration.GetSection(LimitsOptions.SectionName));
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsRules>();
        services.AddSingleton<CredentialValidator>();
        services.AddSingleton<SubscribeAuthorization>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<NewConnectionRateLimiter>();
        services.AddSingleton<PublishAuthInterceptor>();
        services.AddSingleton<PublishLimitsInterceptor>();
        services.AddHostedService<ExposureWarningService>();
        var auth = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        if (auth.PublishAuthEnabled)
        {
            services.AddHostedService<CredentialExpiryService>();
        }

        var maxDataBytes = section.GetValue(nameof(HubOptions.MaxDataBytes), new HubOptions().MaxDataBytes);
        services.AddGrpc(options => options.MaxReceiveMessageSize = maxDataBytes + EnvelopeAllowanceBytes)
            .AddServiceOptions<BroadcasterService>(options =>
            {
                options.Interceptors.Add<PublishAuthInterceptor>();
                options.Interceptors.Add<PublishLimitsInterceptor>();
            })
            // POST /v1/broadcast (the google.api.http option in sse.proto): the same Broadcast, through
            // the same interceptors and validation, with JSON in and out.
            .AddJsonTranscoding();
        services.AddSingleton<IPostConfigureOptions<KestrelServerOptions>, GrpcKeepAlivePings>();
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks();

        var origins = section.Get<SubscribeOptions>()?.CorsOriginList ?? [];
        services.AddCors(cors => cors.AddPolicy(SubscribeEndpoints.CorsPolicyName, policy =>
        {
            policy.WithMethods("GET").AllowAnyHeader();
            if (origins.Length == 0 || origins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins(origins).AllowCredentials();
            }
        }));

        return builder;
    }

    public static WebApplication MapSseService(this WebApplication app)
    {
        app.UseSecurityHeaders();
        ResponseStartCallbacks.UseOnSubscribe(app); // before CORS, which adds its headers when the response starts
        app.UseCors();
        app.UseJsonUnknownFieldCheck(); // POST /v1/broadcast: a misspelt field is a 400, not an empty event

        app.MapGrpcService<BroadcasterService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();

        app.MapSubscribeEndpoints();
        if (!app.Services.GetRequiredService<IOptions<AdminOptions>>().Value.DisableAdminEndpoints)
        {
            app.MapAdminEndpoints();
        }

        if (app.Services.GetRequiredService<IOptions<PrometheusOptions>>().Value.Enabled)
        {
            app.MapMetricsEndpoint();
        }

        return app;
    }
}
