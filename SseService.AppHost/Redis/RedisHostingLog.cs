using Microsoft.Extensions.Logging;

namespace SseService.AppHost.Redis;

internal static partial class RedisHostingLog
{
    [LoggerMessage(EventId = 1, EventName = "RedisModeChosen", Level = LogLevel.Information,
        Message = "Redis for the backplane: {Choice} (RedisMode={Mode}: {Reason})")]
    public static partial void RedisModeChosen(ILogger logger, string choice, RedisMode mode, string reason);
}
