namespace SseService.AppHost.Redis;

/// <summary>How the AppHost provides Redis (the <c>RedisMode</c> setting).</summary>
internal enum RedisMode
{
    /// <summary>A container when a container runtime answers, else a local redis-server.</summary>
    Auto,

    /// <summary>Aspire's Redis container (<c>AddRedis</c>): needs Docker or Podman.</summary>
    Container,

    /// <summary>The machine's own redis-server (Debian's package) as an executable resource.</summary>
    Executable,
}
