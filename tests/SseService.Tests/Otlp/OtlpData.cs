using SseService.Tests.Otlp.Collector.Logs;
using SseService.Tests.Otlp.Collector.Metrics;
using SseService.Tests.Otlp.Collector.Trace;
using SseService.Tests.Otlp.Common;
using SseService.Tests.Otlp.Metrics;
using SseService.Tests.Otlp.Trace;

namespace SseService.Tests.Otlp;

/// <summary>What an OTLP receiver was sent, and a way to wait until it was sent something.</summary>
public sealed class OtlpData
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Metric> _latestMetrics = new(StringComparer.Ordinal);
    private readonly List<Span> _spans = [];
    private readonly List<KeyValue> _resource = [];
    private readonly List<Waiter> _waiters = [];
    private readonly Dictionary<string, List<Exemplar>> _exemplars = new(StringComparer.Ordinal);
    private int _logRecords;
    private int _rejectedRequests;

    public void Add(ExportMetricsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceMetrics in request.ResourceMetrics)
            {
                Remember(resourceMetrics.Resource);
                foreach (var metric in resourceMetrics.ScopeMetrics.SelectMany(scope => scope.Metrics))
                {
                    _latestMetrics[metric.Name] = metric;
                    if (metric.DataCase == Metrics.Metric.DataOneofCase.Histogram)
                    {
                        RememberExemplars(metric);
                    }
                }
            }
        }

        Notify();
    }

    public void Add(ExportTraceServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceSpans in request.ResourceSpans)
            {
                Remember(resourceSpans.Resource);
                _spans.AddRange(resourceSpans.ScopeSpans.SelectMany(scope => scope.Spans));
            }
        }

        Notify();
    }

    public void Add(ExportLogsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceLogs in request.ResourceLogs)
            {
                Remember(resourceLogs.Resource);
                _logRecords += resourceLogs.ScopeLogs.Sum(scope => scope.LogRecords.Count);
            }
        }

        Notify();
    }

    /// <summary>Counts a request the receiver refused (for instance without the expected API key).</summary>
    public void AddRejected()
    {
        Interlocked.Increment(ref _rejectedRequests);
    }

    public int RejectedRequestCount => Volatile.Read(ref _rejectedRequests);

    public int LogRecordCount
    {
        get
        {
            lock (_gate)
            {
                return _logRecords;
            }
        }
    }

    /// <summary>The latest value of a counter or up-down counter, summed over the points that match <paramref name="tag"/>.</summary>
    public long? Sum(string metricName, KeyValuePair<string, string>? tag = null)
    {
        lock (_gate)
        {
            if (!_latestMetrics.TryGetValue(metricName, out var metric) || metric.DataCase != Metrics.Metric.DataOneofCase.Sum)
            {
                return null;
            }

            return metric.Sum.DataPoints
                .Where(point => tag is null || point.Attributes.Any(a => a.Key == tag.Value.Key && a.Value.StringValue == tag.Value.Value))
                .Sum(point => point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : (long)point.AsDouble);
        }
    }

    /// <summary>The latest count of a histogram (all points).</summary>
    public ulong? HistogramCount(string metricName)
    {
        lock (_gate)
        {
            return _latestMetrics.TryGetValue(metricName, out var metric) && metric.DataCase == Metrics.Metric.DataOneofCase.Histogram
                ? metric.Histogram.DataPoints.Aggregate(0UL, (total, point) => total + point.Count)
                : null;
        }
    }

    public Metric? LatestMetric(string metricName)
    {
        lock (_gate)
        {
            return _latestMetrics.GetValueOrDefault(metricName);
        }
    }

    /// <summary>Every exemplar received on a histogram so far (exporters may send each one more than once).</summary>
    public List<Exemplar> Exemplars(string metricName)
    {
        lock (_gate)
        {
            return _exemplars.TryGetValue(metricName, out var exemplars) ? [.. exemplars] : [];
        }
    }

    public List<Span> Spans()
    {
        lock (_gate)
        {
            return [.. _spans];
        }
    }

    public string? ResourceAttribute(string key)
    {
        lock (_gate)
        {
            return _resource.LastOrDefault(attribute => attribute.Key == key)?.Value.StringValue;
        }
    }

    /// <summary>Completes once <paramref name="condition"/> holds, checked after every export received.</summary>
    public async Task WaitUntilAsync(Func<OtlpData, bool> condition, TimeSpan timeout, Func<string>? describe = null)
    {
        var waiter = new Waiter(condition);
        lock (_gate)
        {
            _waiters.Add(waiter);
        }

        Notify();
        try
        {
            await waiter.Done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the OTLP receiver did not see it within {timeout}: {describe?.Invoke()}");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    private void RememberExemplars(Metric metric)
    {
        if (!_exemplars.TryGetValue(metric.Name, out var exemplars))
        {
            _exemplars[metric.Name] = exemplars = [];
        }

        exemplars.AddRange(metric.Histogram.DataPoints.SelectMany(point => point.Exemplars));
    }

    private void Remember(Resource? resource)
    {
        if (resource is not null)
        {
            _resource.AddRange(resource.Attributes);
        }
    }

    private void Notify()
    {
        Waiter[] waiters;
        lock (_gate)
        {
            waiters = [.. _waiters];
        }

        foreach (var waiter in waiters.Where(waiter => waiter.Condition(this)))
        {
            waiter.Done.TrySetResult();
        }
    }

    private sealed record Waiter(Func<OtlpData, bool> Condition)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
