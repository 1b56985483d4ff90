using System.Text.Json.Serialization;

namespace SseService.Admin;

/// <summary>
/// <c>/admin/status.json</c>: the original sseserver's fields (node, status, reported_at,
/// startup_time, msgs_broadcast, connections[]) plus the counters the meter exports.
/// Times are Unix seconds, as the original's.
/// </summary>
public sealed record StatusDocument(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reported_at")] long ReportedAt,
    [property: JsonPropertyName("startup_time")] long StartupTime,
    [property: JsonPropertyName("uptime_seconds")] double UptimeSeconds,
    [property: JsonPropertyName("msgs_broadcast")] long MessagesBroadcast,
    [property: JsonPropertyName("deliveries")] long Deliveries,
    [property: JsonPropertyName("bytes_written")] long BytesWritten,
    [property: JsonPropertyName("active_connections")] long ActiveConnections,
    [property: JsonPropertyName("connections_opened")] long ConnectionsOpened,
    [property: JsonPropertyName("slow_consumer_disconnects")] long SlowConsumerDisconnects,
    [property: JsonPropertyName("producer_streams")] long ProducerStreams,
    [property: JsonPropertyName("publish_errors")] long PublishErrors,
    [property: JsonPropertyName("publish_errors_by_reason")] IReadOnlyDictionary<string, long> PublishErrorsByReason,
    [property: JsonPropertyName("limit_rejections")] IReadOnlyDictionary<string, long> LimitRejections,
    [property: JsonPropertyName("top_namespaces")] IReadOnlyList<NamespaceCount> TopNamespaces,
    [property: JsonPropertyName("connections_total")] int ConnectionsTotal,
    [property: JsonPropertyName("connections")] IReadOnlyList<ConnectionStatus> Connections);

public sealed record NamespaceCount(
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("connections")] int Connections);

public sealed record ConnectionStatus(
    [property: JsonPropertyName("request_path")] string RequestPath,
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("client_ip")] string ClientIp,
    [property: JsonPropertyName("user_agent")] string UserAgent,
    [property: JsonPropertyName("msgs_sent")] long MessagesSent,
    [property: JsonPropertyName("namespaces")] IReadOnlyList<string> Namespaces);

[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
