using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Backplane;

/// <summary>Turns the Redis backplane on when <c>ConnectionStrings:redis</c> is set (as Aspire's WithReference does).</summary>
public static class RedisBackplaneExtensions
{
    public const string ConnectionStringName = "redis";
    public const string SectionName = "Sse:Redis";

    /// <returns>Whether the backplane was added.</returns>
    public static bool AddRedisBackplaneIfConfigured(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionStringName)))
        {
            return false;
        }

        var services = builder.Services;
        services.AddOptionsWithValidateOnStart<RedisBackplaneOptions, RedisBackplaneOptionsValidator>()
            .Bind(builder.Configuration.GetSection(SectionName));
        services.AddSingleton<RedisBackplane>();
        services.AddSingleton<IEventPublisher>(provider => provider.GetRequiredService<RedisBackplane>());
        services.AddHostedService(provider => provider.GetRequiredService<RedisBackplane>());
        services.AddHealthChecks().AddCheck<RedisBackplaneHealthCheck>("redis-backplane");
        return true;
    }
}

[OptionsValidator]
internal sealed partial class RedisBackplaneOptionsValidator : IValidateOptions<RedisBackplaneOptions>;
