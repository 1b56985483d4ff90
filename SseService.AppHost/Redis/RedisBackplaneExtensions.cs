using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SseService.AppHost.Redis;

/// <summary>Redis for the service's backplane, from a container or from the machine's redis-server.</summary>
internal static class RedisBackplaneExtensions
{
    /// <summary>The setting that forces a mode: Auto (default), Container or Executable.</summary>
    public const string ModeKey = "RedisMode";

    /// <summary>
    /// Adds Redis as <paramref name="name"/>: Aspire's container when <c>RedisMode</c> says so or, in
    /// Auto, when a container runtime answers; otherwise redis-server from PATH. Says which, and why.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisBackplane(this IDistributedApplicationBuilder builder, string name)
    {
        var mode = ReadMode(builder.Configuration[ModeKey]);
        var runtime = ContainerRuntimeProbe.RuntimeName(builder.Configuration);
        string reason;
        var useContainer = mode switch
        {
            RedisMode.Container => Forced(out reason),
            RedisMode.Executable => !Forced(out reason),
            _ => ContainerRuntimeProbe.Answers(runtime, out reason),
        };

        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SseService.AppHost.Redis");
            RedisHostingLog.RedisModeChosen(logger, useContainer ? $"container via {runtime}" : "local redis-server", mode, reason);
            return Task.CompletedTask;
        });

        return useContainer ? builder.AddRedis(name) : builder.AddLocalRedis(name);

        static bool Forced(out string why)
        {
            why = "set explicitly";
            return true;
        }
    }

    /// <summary>redis-server from PATH, loopback only, nothing persisted, with a password and a health check.</summary>
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.ExecutionContext.IsRunMode && FindOnPath("redis-server") is null)
        {
            throw new DistributedApplicationException(
                $"{ModeKey}: no container runtime is used and redis-server is not on PATH. Install it (apt-get install redis-server) or set {ModeKey}=Container.");
        }

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var workingDirectory = Path.Combine(Path.GetTempPath(), $"sse-apphost-{name}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        var redis = new LocalRedisResource(name, password, workingDirectory);

        // The health check needs the connection string, known once DCP has allocated the port.
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(redis, async (_, cancellationToken) =>
            connectionString = await ((IResourceWithConnectionString)redis).GetConnectionStringAsync(cancellationToken).ConfigureAwait(false));
        // Once redis-server has read its config (it answers the health check), the file with the
        // password and its directory go: nothing else is written there (no RDB, no AOF).
        builder.Eventing.Subscribe<ResourceReadyEvent>(redis, (_, _) =>
        {
            try
            {
                Directory.Delete(workingDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Already gone, or busy: it is in the temporary directory either way.
            }

            return Task.CompletedTask;
        });

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException($"the connection string of '{name}' is not known yet"),
            name: healthCheckKey);

        return builder.AddResource(redis)
            .WithEndpoint(name: LocalRedisResource.PrimaryEndpointName, scheme: "tcp")
            .WithHealthCheck(healthCheckKey)
            .WithArgs(async context =>
            {
                // The password goes in a config file only this user can read, not on the command line
                // (which the dashboard shows and ps lists).
                var configFile = Path.Combine(workingDirectory, "redis.conf");
                if (context.ExecutionContext.IsRunMode)
                {
                    Directory.CreateDirectory(workingDirectory);
                    var value = await password.GetValueAsync(context.CancellationToken).ConfigureAwait(false);
                    var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
                    if (!OperatingSystem.IsWindows())
                    {
                        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    }

                    await using var file = new FileStream(configFile, options);
                    await using var writer = new StreamWriter(file);
                    await writer.WriteLineAsync($"requirepass \"{value}\"").ConfigureAwait(false);
                }

                context.Args.Add(configFile);
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                foreach (var argument in new[] { "--bind", "127.0.0.1", "--dir", workingDirectory, "--save", "", "--appendonly", "no" })
                {
                    context.Args.Add(argument);
                }
            });
    }

    private static RedisMode ReadMode(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return RedisMode.Auto;
        }

        // By name only: Enum.TryParse would also take "1".
        var name = Enum.GetNames<RedisMode>().FirstOrDefault(name => string.Equals(name, value.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new DistributedApplicationException(
                $"{ModeKey}='{value}' is not one of {string.Join(", ", Enum.GetNames<RedisMode>())}.");
        return Enum.Parse<RedisMode>(name);
    }

    private static string? FindOnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, executable))
            .FirstOrDefault(File.Exists);
}
