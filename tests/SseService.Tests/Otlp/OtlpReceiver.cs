using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseService.Tests.Infrastructure;
using SseService.Tests.Otlp.Collector.Logs;
using SseService.Tests.Otlp.Collector.Metrics;
using SseService.Tests.Otlp.Collector.Trace;

namespace SseService.Tests.Otlp;

/// <summary>
/// A real OTLP receiver on a loopback port, speaking OTLP/gRPC or OTLP/HTTP with protobuf bodies,
/// as an OpenTelemetry collector or the Aspire dashboard would.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    /// <summary>The header the Aspire dashboard checks (<c>OTEL_EXPORTER_OTLP_HEADERS=x-otlp-api-key=...</c>).</summary>
    public const string ApiKeyHeaderName = "x-otlp-api-key";

    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, Uri endpoint, OtlpData data)
    {
        _app = app;
        Endpoint = endpoint;
        Data = data;
    }

    /// <summary>The value for OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public Uri Endpoint { get; }

    public OtlpData Data { get; }

    /// <param name="protocol">"grpc" or "http/protobuf", as OTEL_EXPORTER_OTLP_PROTOCOL names them.</param>
    /// <param name="requiredApiKey">
    /// When set, every export without this <see cref="ApiKeyHeaderName"/> is refused with 401 and counted
    /// in <see cref="OtlpData.RejectedRequestCount"/>, as the Aspire dashboard refuses it.
    /// </param>
    public static async Task<OtlpReceiver> StartAsync(string protocol, string? requiredApiKey = null)
    {
        var (builder, port) = AuxiliaryHost.Create(protocol == "grpc" ? HttpProtocols.Http2 : HttpProtocols.Http1);
        var data = new OtlpData();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(data);

        var app = builder.Build();
        if (requiredApiKey is not null)
        {
            app.Use(async (context, next) =>
            {
                if (!string.Equals(context.Request.Headers[ApiKeyHeaderName], requiredApiKey, StringComparison.Ordinal))
                {
                    data.AddRejected();
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }

                await next(context);
            });
        }

        app.MapGrpcService<MetricsReceiver>();
        app.MapGrpcService<TraceReceiver>();
        app.MapGrpcService<LogsReceiver>();
        app.MapPost("/v1/metrics", (HttpRequest request) => ReceiveAsync(request, ExportMetricsServiceRequest.Parser, data.Add, new ExportMetricsServiceResponse()));
        app.MapPost("/v1/traces", (HttpRequest request) => ReceiveAsync(request, ExportTraceServiceRequest.Parser, data.Add, new ExportTraceServiceResponse()));
        app.MapPost("/v1/logs", (HttpRequest request) => ReceiveAsync(request, ExportLogsServiceRequest.Parser, data.Add, new ExportLogsServiceResponse()));
        await app.StartAsync();
        return new OtlpReceiver(app, new Uri($"http://127.0.0.1:{port}"), data);
    }

    private static async Task<IResult> ReceiveAsync<TRequest>(HttpRequest request, MessageParser<TRequest> parser, Action<TRequest> add, IMessage response)
        where TRequest : IMessage<TRequest>
    {
        if (request.ContentType?.StartsWith("application/x-protobuf", StringComparison.Ordinal) != true)
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        add(parser.ParseFrom(body.ToArray()));
        return Results.Bytes(response.ToByteArray(), "application/x-protobuf");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class MetricsReceiver(OtlpData data) : MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            data.Add(request);
            return Task.FromResult(new ExportMetricsServiceResponse());
        }
    }

    private sealed class TraceReceiver(OtlpData data) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            data.Add(request);
            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }

    private sealed class LogsReceiver(OtlpData data) : LogsService.LogsServiceBase
    {
        public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
        {
            data.Add(request);
            return Task.FromResult(new ExportLogsServiceResponse());
        }
    }
}
