using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sse.V1;
using SseService.Hub;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// The real service, in this process, on real loopback sockets: the same registration calls as
/// Program.cs, Kestrel on free ports for its two named endpoints, settings overridden per test.
/// </summary>
public sealed class TestService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private TestService(WebApplication app, Uri httpAddress, Uri grpcAddress)
    {
        _app = app;
        HttpAddress = httpAddress;
        GrpcAddress = grpcAddress;
        _channel = GrpcChannel.ForAddress(grpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        Http = new HttpClient { BaseAddress = httpAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Where SSE, admin and health are served (HTTP/1.1).</summary>
    public Uri HttpAddress { get; }

    /// <summary>Where gRPC is served (HTTP/2 cleartext).</summary>
    public Uri GrpcAddress { get; }

    /// <summary>A client for the HTTP endpoint; its timeout is infinite, so pass a cancellation token.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public SseHub Hub => Services.GetRequiredService<SseHub>();

    public Broadcaster.BroadcasterClient Broadcaster => new(_channel);

    public GrpcChannel Channel => _channel;

    public static async Task<TestService> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var httpAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var grpcAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "SseService",
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = httpAddress.ToString(),
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
            ["Kestrel:Endpoints:Grpc:Url"] = grpcAddress.ToString(),
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        builder.AddSseService();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapSseService();
        await app.StartAsync();
        return new TestService(app, httpAddress, grpcAddress);
    }

    /// <summary>Opens an SSE subscription and returns once the hub has registered it.</summary>
    public Task<SseSubscriber> SubscribeAsync(string path, string? lastEventId = null, CancellationToken cancellationToken = default) =>
        SseSubscriber.ConnectAsync(Http, path, lastEventId, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _channel.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
