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

    private int _httpConnections;

    private TestService(WebApplication app, Transport transport, Uri httpAddress, Uri grpcAddress)
    {
        _app = app;
        Transport = transport;
        HttpAddress = httpAddress;
        GrpcAddress = grpcAddress;
        _channel = GrpcChannel.ForAddress(grpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        Http = TransportClient.Create(transport, httpAddress, () => Interlocked.Increment(ref _httpConnections));
    }

    /// <summary>How <see cref="Http"/> reaches the <c>Http</c> endpoint.</summary>
    public Transport Transport { get; }

    /// <summary>Where SSE, admin and health are served (HTTP/1.1, or HTTPS with HTTP/2 as well).</summary>
    public Uri HttpAddress { get; }

    /// <summary>The HTTP version of every response <see cref="Http"/> gets.</summary>
    public Version HttpVersion => TransportClient.HttpVersionOf(Transport);

    /// <summary>How many TCP connections <see cref="Http"/> has opened so far.</summary>
    public int HttpConnectionsOpened => Volatile.Read(ref _httpConnections);

    /// <summary>Where gRPC is served (HTTP/2 cleartext).</summary>
    public Uri GrpcAddress { get; }

    /// <summary>A client for the HTTP endpoint; its timeout is infinite, so pass a cancellation token.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public SseHub Hub => Services.GetRequiredService<SseHub>();

    public Broadcaster.BroadcasterClient Broadcaster => new(_channel);

    public GrpcChannel Channel => _channel;

    /// <param name="settings">Added after the defaults, so they can override any of them.</param>
    /// <param name="transport">How the <c>Http</c> endpoint is served and <see cref="Http"/> reaches it.</param>
    public static async Task<TestService> StartAsync(IDictionary<string, string?>? settings = null, Transport transport = Transport.Http1Direct)
    {
        var httpAddress = TransportClient.NewAddress(transport);
        var grpcAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "SseService",
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var defaults = TransportClient.EndpointSettings(transport);
        defaults["Kestrel:Endpoints:Http:Url"] = httpAddress.ToString();
        defaults["Kestrel:Endpoints:Grpc:Url"] = grpcAddress.ToString();
        defaults["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
        defaults["Logging:LogLevel:Default"] = "Warning";
        builder.Configuration.AddInMemoryCollection(defaults);
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
        return new TestService(app, transport, httpAddress, grpcAddress);
    }

    /// <summary>
    /// Opens an SSE subscription and returns once the hub has registered it; fails unless the
    /// response came over this service's transport (HTTP/2 when <see cref="Transport.HttpsHttp2"/>).
    /// </summary>
    public async Task<SseSubscriber> SubscribeAsync(string path, string? lastEventId = null, CancellationToken cancellationToken = default)
    {
        var subscriber = await SseSubscriber.ConnectAsync(Http, path, lastEventId, cancellationToken);
        Assert.Equal(HttpVersion, subscriber.Response.Version);
        return subscriber;
    }

    /// <summary>Opens a stream whose body the test reads as sent, over this service's transport.</summary>
    /// <param name="stalls">For a client that will stop reading: one that backs up the server quickly.</param>
    public Task<RawSubscriber> OpenRawAsync(string path, bool stalls = false) => RawSubscriber.OpenAsync(this, path, stalls);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _channel.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
