using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Sse.V1;
using SseService.Tests.Infrastructure;
using SseService.Tests.Otlp;

namespace SseService.Tests.Telemetry;

/// <summary>
/// The service as its own process (so no other test's meters mix in), exporting to a real OTLP
/// receiver hosted here, configured only by the standard OTEL_* variables.
/// </summary>
public sealed class OtlpExportTests
{
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Publish_WithOtlpEndpoint_ExportsSseMetricsAndSpansThatMatchStatusJson(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(protocol);
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_SERVICE_NAME"] = "sse-otlp-test",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "250",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
        });
        using var http = new HttpClient { BaseAddress = service.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var broadcaster = new Broadcaster.BroadcasterClient(channel);
        await using var pets = await SseSubscriber.ConnectAsync(http, "/subscribe/pets");
        await using var dogs = await SseSubscriber.ConnectAsync(http, "/subscribe/pets/dogs");

        // 3 dogs reach both subscribers, 1 cat only /pets: 4 published, 7 delivered; 1 refused.
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = $"dog {i}" })).Id);
        }

        ids.Add((await broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Data = "cat" })).Id);
        var refused = await Assert.ThrowsAsync<RpcException>(() => broadcaster.BroadcastAsync(new SseMessage { Namespace = "pets" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(4, (await pets.ReadManyAsync(4)).Count);
        Assert.Equal(3, (await dogs.ReadManyAsync(3)).Count);

        var data = receiver.Data;
        await data.WaitUntilAsync(
            seen => seen.Sum("sse.messages.published") == 4
                && seen.Sum("sse.deliveries") == 7
                && seen.Sum("sse.connections.active") == 2
                && seen.Sum("sse.connections.opened") == 2
                && seen.Sum("sse.publish.errors", new("error.type", "invalid_argument")) == 1
                && seen.HistogramCount("sse.publish.duration") == 4
                && seen.Spans().Count(span => span.Name == "sse.publish") == 4,
            ExportTimeout,
            () => $"published={data.Sum("sse.messages.published")} deliveries={data.Sum("sse.deliveries")} " +
                  $"active={data.Sum("sse.connections.active")} spans={data.Spans().Count}");

        // Units and names as documented.
        Assert.Equal("{connection}", data.LatestMetric("sse.connections.active")!.Unit);
        Assert.Equal("By", data.LatestMetric("sse.bytes.written")!.Unit);
        Assert.Equal("s", data.LatestMetric("sse.publish.duration")!.Unit);
        Assert.Equal("sse-otlp-test", data.ResourceAttribute("service.name"));

        // One span per publish, with its attributes, parented to the gRPC request's server span.
        var spans = data.Spans();
        var publishSpans = spans.Where(span => span.Name == "sse.publish").ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), publishSpans.Select(span => Attribute(span, "sse.message_id")).Order(StringComparer.Ordinal));
        foreach (var span in publishSpans)
        {
            Assert.StartsWith("/pets/", Attribute(span, "sse.namespace"), StringComparison.Ordinal);
            var parent = Assert.Single(spans, candidate => candidate.SpanId == span.ParentSpanId);
            Assert.Equal(2, parent.Kind); // SPAN_KIND_SERVER: the incoming gRPC call
            Assert.Equal(parent.TraceId, span.TraceId);
        }

        Assert.Equal(2, long.Parse(Attribute(publishSpans.First(span => Attribute(span, "sse.namespace") == "/pets/dogs"), "sse.subscribers"), System.Globalization.CultureInfo.InvariantCulture));

        // No span for the long-lived SSE requests.
        Assert.DoesNotContain(spans, span => span.Name.Contains("subscribe", StringComparison.OrdinalIgnoreCase));

        // The admin document reads the same counters.
        var status = await http.GetFromJsonAsync<JsonElement>("/admin/status.json");
        Assert.Equal(data.Sum("sse.messages.published"), status.GetProperty("msgs_broadcast").GetInt64());
        Assert.Equal(data.Sum("sse.deliveries"), status.GetProperty("deliveries").GetInt64());
        Assert.Equal(data.Sum("sse.connections.active"), status.GetProperty("active_connections").GetInt64());
        Assert.Equal(data.Sum("sse.connections.opened"), status.GetProperty("connections_opened").GetInt64());
        Assert.Equal(data.Sum("sse.publish.errors"), status.GetProperty("publish_errors").GetInt64());
        Assert.Equal(data.Sum("sse.slow_consumer.disconnects"), status.GetProperty("slow_consumer_disconnects").GetInt64());
        Assert.Equal(data.Sum("sse.producer.streams.active"), status.GetProperty("producer_streams").GetInt64());
    }

    private static string Attribute(SseService.Tests.Otlp.Trace.Span span, string key)
    {
        var value = span.Attributes.Single(attribute => attribute.Key == key).Value;
        return value.ValueCase == SseService.Tests.Otlp.Common.AnyValue.ValueOneofCase.IntValue
            ? value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : value.StringValue;
    }
}
