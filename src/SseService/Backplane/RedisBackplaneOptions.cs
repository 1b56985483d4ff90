using System.ComponentModel.DataAnnotations;

namespace SseService.Backplane;

/// <summary>The <c>Sse:Redis</c> section; the backplane itself is on when <c>ConnectionStrings:redis</c> is set.</summary>
public sealed class RedisBackplaneOptions
{
    /// <summary>Prefix of the keys and channel used, so several deployments can share one Redis.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9:_.-]+$")]
    public string KeyPrefix { get; set; } = "sse";

    /// <summary>How long a publish may wait for Redis before it is refused with UNAVAILABLE.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
