using System.Globalization;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Sse.V1;
using SseService.Tests.Infrastructure;
using SseService.Tests.Otlp;

namespace SseService.Tests.Telemetry;

/// <summary>
/// A real Prometheus scrapes the service's <c>/metrics</c> every second, with the bearer credential
/// an operator would give it, and is asked through its query API as a dashboard would ask. The
/// service runs as its own process: meters are matched by name, so an in-process service would
/// also report every other test's <c>SseService</c> meter and no count would be exact.
/// </summary>
public sealed class PrometheusScrapeTests
{
    private const int Messages = 5;
    private const int Subscribers = 3;
    private const string ScraperKey = "prometheus-scraper-key-0123";
    private const string ProducerKey = "pets-producer-key-0123456";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    // Names as Prometheus shows them: dots become underscores, the unit becomes a suffix ("s" is
    // _seconds, "By" _bytes, "{message}" nothing), counters get _total.
    private static readonly string[] s_sseSeries =
    [
        "sse_connections_active",
        "sse_connections_opened_total",
        "sse_messages_published_total",
        "sse_deliveries_total",
        "sse_bytes_written_bytes_total",
        "sse_slow_consumer_disconnects_total",
        "sse_producer_streams_active",
        "sse_publish_errors_total",
        "sse_limit_rejections_total",
        "sse_publish_duration_seconds_bucket",
        "sse_publish_duration_seconds_sum",
        "sse_publish_duration_seconds_count",
        "sse_delivery_latency_seconds_bucket",
        "sse_delivery_latency_seconds_sum",
        "sse_delivery_latency_seconds_count",
    ];

    // From the runtime and ASP.NET Core meters that the service defaults collect.
    private static readonly string[] s_platformSeries =
    [
        "dotnet_process_cpu_count",
        "dotnet_gc_heap_total_allocated_bytes_total",
        "http_server_request_duration_seconds_count",
        "kestrel_active_connections",
    ];

    [Fact]
    public async Task Scrape_AfterPublishes_PublishedAndDeliveriesSeriesMoveByExactCounts()
    {
        // Arrange: OTLP on as well, to see that both exporters read one set of numbers.
        await using var receiver = await OtlpReceiver.StartAsync("grpc");
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Sse__Prometheus__Enabled"] = "true",
            ["Sse__AdminAccess"] = "Credential",
            ["Sse__Auth__ApiKeys__scraper__Key"] = ScraperKey,
            ["Sse__Auth__ApiKeys__scraper__Admin"] = "true",
            ["Sse__Auth__ApiKeys__producer__Key"] = ProducerKey,
            ["Sse__Auth__ApiKeys__producer__Publish__0"] = "/pets/*",
            ["Sse__Limits__MaxConnections"] = Subscribers.ToString(CultureInfo.InvariantCulture),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "250",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        await using var prometheus = await PrometheusServer.StartAsync(service.HttpAddress, bearerToken: ScraperKey);
        using var http = new HttpClient { BaseAddress = service.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var broadcaster = new Broadcaster.BroadcasterClient(channel);
        var producer = new Metadata { { "authorization", "Bearer " + ProducerKey } };

        // A scrape from before anything happened is the baseline.
        var before = await WaitForScrapeAsync(prometheus);

        // Act: N messages to M subscribers; one stream over the cap, one publish the grant refuses.
        var subscribers = new List<SseSubscriber>();
        try
        {
            for (var i = 0; i < Subscribers; i++)
            {
                subscribers.Add(await SseSubscriber.ConnectAsync(http, "/subscribe/pets"));
            }

            var (extra, extraResponse) = await SseSubscriber.TryConnectAsync(http, "/subscribe/pets", asEventSource: false);
            using (extraResponse)
            {
                Assert.Null(extra);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, extraResponse.StatusCode);
            }

            // One message first, then the rest once Prometheus has seen it: a rate needs two samples of
            // a series, and the publish-duration histogram only appears with its first publish.
            await broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "dog 0" }, producer);
            await prometheus.WaitUntilAsync(
                async () => await prometheus.ScalarAsync("sse_publish_duration_seconds_count") >= 1,
                Deadline,
                () => Task.FromResult("the first publish in sse_publish_duration_seconds_count"));
            for (var i = 1; i < Messages; i++)
            {
                await broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = $"dog {i}" }, producer);
            }

            var refused = await Assert.ThrowsAsync<RpcException>(() => broadcaster.BroadcastAsync(new SseMessage { Namespace = "/cats", Data = "cat" }, producer).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            foreach (var subscriber in subscribers)
            {
                Assert.Equal(Messages, (await subscriber.ReadManyAsync(Messages)).Count);
            }

            // Assert: the series moved by exactly N and N x M. Counters only grow, so wait until they
            // reach the target and then require equality: an overshoot fails.
            var after = before;
            await prometheus.WaitUntilAsync(
                async () =>
                {
                    after = await ReadCountsAsync(prometheus);
                    return after.Published >= before.Published + Messages && after.Deliveries >= before.Deliveries + (Messages * Subscribers);
                },
                Deadline,
                () => Task.FromResult($"published {before.Published} -> {after.Published}, deliveries {before.Deliveries} -> {after.Deliveries}"));
            Assert.Equal(Messages, after.Published - before.Published);
            Assert.Equal(Messages * Subscribers, after.Deliveries - before.Deliveries);

            // Scrapes are not subscriber traffic: after several more, still M streams, M opened.
            var scrapesSoFar = await prometheus.ScalarAsync($"count_over_time(up{{job=\"{PrometheusServer.JobName}\"}}[10m])") ?? 0;
            await prometheus.WaitUntilAsync(
                async () => await prometheus.ScalarAsync($"count_over_time(up{{job=\"{PrometheusServer.JobName}\"}}[10m])") >= scrapesSoFar + 3,
                Deadline,
                () => Task.FromResult("three more scrapes"));
            Assert.Equal(Subscribers, await prometheus.ScalarAsync("sse_connections_active"));
            Assert.Equal(Subscribers, await prometheus.ScalarAsync("sse_connections_opened_total"));
            Assert.Equal(1, await prometheus.ScalarAsync("sse_publish_errors_total{error_type=\"permission_denied\"}"));
            Assert.Equal(1, await prometheus.ScalarAsync("sse_limit_rejections_total{sse_limit=\"connections\"}"));
            Assert.Equal(Messages, await prometheus.ScalarAsync("sse_publish_duration_seconds_count"));
            Assert.Equal(1, await prometheus.ScalarAsync("count(sse_publish_duration_seconds_bucket{le=\"0.0001\"})")); // the advised bounds, in seconds

            // Every sse.* instrument is there under its Prometheus name, with the platform's meters.
            var names = (await prometheus.QueryAsync($"count by (__name__) ({{job=\"{PrometheusServer.JobName}\"}})")).Select(sample => sample.Name).ToHashSet(StringComparer.Ordinal);
            Assert.All(s_sseSeries.Concat(s_platformSeries), name => Assert.Contains(name, names));
            // Prometheus asks for OpenMetrics, which adds a _created series per counter and histogram;
            // 2.42 (Debian 12's) stores those as series of their own.
            Assert.Equal(
                s_sseSeries.Order(StringComparer.Ordinal),
                names.Where(name => name.StartsWith("sse_", StringComparison.Ordinal) && !name.EndsWith("_created", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

            // The queries docs/operations.md offers answer with a number.
            Assert.True(await prometheus.ScalarAsync("sum(rate(sse_deliveries_total[1m]))") > 0);
            Assert.True(await prometheus.ScalarAsync("sum(rate(sse_deliveries_total[5m])) / sum(rate(sse_messages_published_total[5m]))") > 0);
            Assert.Equal(0, await prometheus.ScalarAsync("sum(increase(sse_slow_consumer_disconnects_total[5m]))"));
            var p99 = await prometheus.ScalarAsync("histogram_quantile(0.99, sum by (le) (rate(sse_publish_duration_seconds_bucket[5m])))");
            Assert.True(p99 is > 0 and < double.PositiveInfinity, $"publish p99 {p99}");

            // One source of truth: OTLP exported the same totals, and no scrape became a span.
            await receiver.Data.WaitUntilAsync(
                seen => seen.Sum("sse.messages.published") == (long)after.Published && seen.Sum("sse.deliveries") == (long)after.Deliveries
                    && seen.Spans().Count(span => span.Name == "sse.publish") == Messages,
                Deadline,
                () => $"otlp published={receiver.Data.Sum("sse.messages.published")} deliveries={receiver.Data.Sum("sse.deliveries")}");
            Assert.DoesNotContain(receiver.Data.Spans(), span => span.Name.Contains("metrics", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            foreach (var subscriber in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
    }

    private static async Task<(double Published, double Deliveries)> WaitForScrapeAsync(PrometheusServer prometheus)
    {
        (double Published, double Deliveries) counts = default;
        await prometheus.WaitUntilAsync(
            async () =>
            {
                if (await prometheus.ScalarAsync("sse_messages_published_total") is not { } published
                    || await prometheus.ScalarAsync("sse_deliveries_total") is not { } deliveries)
                {
                    return false;
                }

                counts = (published, deliveries);
                return true;
            },
            Deadline,
            () => Task.FromResult("a first scrape with sse_messages_published_total and sse_deliveries_total"));
        return counts;
    }

    private static async Task<(double Published, double Deliveries)> ReadCountsAsync(PrometheusServer prometheus) =>
        (await prometheus.ScalarAsync("sse_messages_published_total") ?? double.NaN,
         await prometheus.ScalarAsync("sse_deliveries_total") ?? double.NaN);
}
