using System.Globalization;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Aspire;

/// <summary>
/// The environment an Aspire 13 AppHost gives the service as SseService.AppHost/AppHost.cs declares it
/// (<c>AddProject</c>, run mode, AppHost in Development): every variable the AppHost sets, named and
/// shaped as Aspire.Hosting writes them, so a test can start the service exactly as the AppHost would
/// without the AppHost, against a receiver that checks what arrives. tests/SseService.AppHost.Tests
/// (AppHostTests) checks that the real AppHost gives these variables.
/// </summary>
/// <remarks>
/// Sources, in microsoft/aspire: <c>src/Aspire.Hosting/ProjectResourceBuilderExtensions.cs</c>
/// (Kestrel URL overrides, OTLP retry, URL query redaction, forwarded headers in publish mode),
/// <c>src/Aspire.Hosting/OtlpConfigurationExtensions.cs</c> (OTEL_*),
/// <c>src/Aspire.Hosting/Dashboard/ConsoleLogsConfigurationExtensions.cs</c> (console logs) and
/// <c>src/Aspire.Hosting/ResourceBuilderExtensions.cs</c> (<c>WithReference</c>: connection strings).
/// </remarks>
internal sealed record AspireProjectEnvironment
{
    /// <summary>The resource name in AppHost.cs; DCP gives it to the process as OTEL_SERVICE_NAME.</summary>
    public const string ResourceName = "sse";

    /// <summary>DCP's random suffix for this replica, sent as <c>service.instance.id</c>.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The dashboard's OTLP endpoint (here: a test receiver).</summary>
    public required Uri OtlpEndpoint { get; init; }

    /// <summary>"grpc" when the dashboard has an OTLP/gRPC endpoint (the default), else "http/protobuf".</summary>
    public required string OtlpProtocol { get; init; }

    /// <summary>The dashboard's OTLP API key (<c>AppHost:OtlpApiKey</c>), sent as a header.</summary>
    public required string OtlpApiKey { get; init; }

    /// <summary>
    /// The <c>Http</c> endpoint's URL for this process: Aspire keeps the host of appsettings.json
    /// ("localhost") and gives a port of its own (the configured 8001 goes to the proxy).
    /// </summary>
    public required Uri HttpUrl { get; init; }

    /// <summary>The <c>Grpc</c> endpoint's URL, likewise.</summary>
    public required Uri GrpcUrl { get; init; }

    /// <summary>
    /// Set when AppHost.cs runs with <c>UseRedis=true</c>: what <c>WithReference(redis)</c> injects.
    /// </summary>
    public RedisReference? Redis { get; init; }

    /// <summary>
    /// ASPNETCORE_FORWARDEDHEADERS_ENABLED=true: set by Aspire in publish mode only (deployments put a
    /// reverse proxy in front of every project with endpoints), never by <c>dotnet run</c> of the AppHost.
    /// </summary>
    public bool PublishedBehindProxy { get; init; }

    /// <summary>An environment on free loopback ports, reporting to <paramref name="otlpEndpoint"/>.</summary>
    public static AspireProjectEnvironment Create(Uri otlpEndpoint, string otlpProtocol, string otlpApiKey) => new()
    {
        InstanceId = Guid.NewGuid().ToString("N")[..8],
        OtlpEndpoint = otlpEndpoint,
        OtlpProtocol = otlpProtocol,
        OtlpApiKey = otlpApiKey,
        HttpUrl = new Uri($"http://localhost:{FreePort.Next()}"),
        GrpcUrl = new Uri($"http://localhost:{FreePort.Next()}"),
    };

    /// <summary>Starts the service as its own process with exactly this environment.</summary>
    public Task<ServiceProcess> StartServiceAsync() => ServiceProcess.StartAsync(ToDictionary(), HttpUrl, GrpcUrl);

    public Dictionary<string, string> ToDictionary()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Kestrel endpoints found in appsettings.json: only the URL is overridden, by endpoint name;
            // Protocols (Http1, Http2) stay as configured. No ASPNETCORE_URLS when Kestrel endpoints exist.
            ["Kestrel__Endpoints__Http__Url"] = Authority(HttpUrl),
            ["Kestrel__Endpoints__Grpc__Url"] = Authority(GrpcUrl),

            // WithOtlpExporter: where and how to export, and who this process is.
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Authority(OtlpEndpoint),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = OtlpProtocol,
            ["OTEL_EXPORTER_OTLP_HEADERS"] = $"x-otlp-api-key={OtlpApiKey}",
            ["OTEL_SERVICE_NAME"] = ResourceName,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={InstanceId}",

            // ... and, with the AppHost in Development, export quickly and keep everything.
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_TRACES_SAMPLER"] = "always_on",
            ["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based",
            ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "true",

            // Project defaults: retry failed exports in memory; in Development, keep URL query strings.
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            ["OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_HTTPCLIENT_DISABLE_URL_QUERY_REDACTION"] = "true",

            // Console logs for the dashboard's console view (Aspire 13.6 sets no timestamp format).
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
        };

        if (Redis is { } redis)
        {
            // WithReference(redis): the connection string, and (Aspire 13) its properties as REDIS_*.
            environment["ConnectionStrings__redis"] = redis.ConnectionString;
            environment["REDIS_HOST"] = redis.Host;
            environment["REDIS_PORT"] = redis.Port.ToString(CultureInfo.InvariantCulture);
            environment["REDIS_PASSWORD"] = redis.Password;
            environment["REDIS_URI"] = redis.Uri;
        }

        if (PublishedBehindProxy)
        {
            environment["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true";
        }

        return environment;
    }

    /// <summary>"http://host:port", without the trailing slash <see cref="Uri.ToString"/> adds, as Aspire writes URLs.</summary>
    private static string Authority(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}

/// <summary>What Aspire's Redis resource hands a project that references it (RedisResource.cs).</summary>
internal sealed record RedisReference(string Host, int Port, string Password)
{
    /// <summary>StackExchange.Redis format; Aspire appends ",ssl=true" when the Redis endpoint has TLS.</summary>
    public string ConnectionString => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)},password={Password}";

    public string Uri => $"redis://:{System.Uri.EscapeDataString(Password)}@{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
