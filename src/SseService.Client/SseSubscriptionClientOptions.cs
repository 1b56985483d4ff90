using Microsoft.Extensions.Options;

namespace SseService.Client;

/// <summary>Settings of <see cref="SseSubscriptionClient"/>.</summary>
public sealed class SseSubscriptionClientOptions
{
    /// <summary>
    /// The HTTP endpoint of SseService, e.g. <c>http://localhost:8001</c>; subscriptions go to
    /// <c>{Address}/subscribe/{namespace}</c>. Required when registered with
    /// <see cref="Microsoft.Extensions.DependencyInjection.SseClientServiceCollectionExtensions.AddSseSubscriptionClient"/>; otherwise the
    /// <see cref="HttpClient.BaseAddress"/> is used when this is <see langword="null"/>.
    /// </summary>
    public Uri? Address { get; set; }

    /// <summary>
    /// Least wait before reconnecting when the server sent no <c>retry:</c> hint (a hint replaces it).
    /// The first wait after a healthy connection is this plus a random part of up to half of it; each
    /// further attempt in a row that fails or ends without delivering anything waits a random time
    /// between this and three times the previous wait (decorrelated jitter), up to <see cref="MaxReconnectDelay"/>.
    /// </summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest wait between attempts, server <c>retry:</c> hints and <c>Retry-After</c> included (a producer
    /// can set a hint on any event, so it is not trusted beyond this). A connection that lives this long
    /// counts as healthy even if nothing was published meanwhile.
    /// </summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A connection that receives nothing at all (not even the server's keep-alive comments, every 15 s
    /// by default) for this long is deemed dead and replaced. Set it above the service's
    /// <c>Sse:KeepAliveInterval</c>; <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>The event type the service uses to signal that events may be missing (its <c>Sse:History:ResetEventType</c>).</summary>
    public string ResetEventType { get; set; } = SseEvent.DefaultResetEventType;
}

/// <summary>Checks <see cref="SseSubscriptionClientOptions"/>.</summary>
internal sealed class SseSubscriptionClientOptionsValidator : IValidateOptions<SseSubscriptionClientOptions>
{
    private const string Name = nameof(SseSubscriptionClientOptions);

    /// <summary>The longest wait a timer takes (Task.Delay refuses more).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Whether <see cref="SseSubscriptionClientOptions.Address"/> must be set (it may come from the HttpClient otherwise).</summary>
    public bool RequireAddress { get; init; } = true;

    public ValidateOptionsResult Validate(string? name, SseSubscriptionClientOptions options)
    {
        var failures = new List<string>();
        if ((RequireAddress || options.Address is not null)
            && AddressValidation.Check(options.Address, Name, "HTTP (SSE)", "http://localhost:8001") is { } addressError)
        {
            failures.Add(addressError);
        }

        if (options.ReconnectDelay <= TimeSpan.Zero)
        {
            failures.Add($"{Name}.{nameof(options.ReconnectDelay)} must be positive (was {options.ReconnectDelay}).");
        }

        if (options.MaxReconnectDelay < options.ReconnectDelay)
        {
            failures.Add($"{Name}.{nameof(options.MaxReconnectDelay)} ({options.MaxReconnectDelay}) must be at least {nameof(options.ReconnectDelay)} ({options.ReconnectDelay}).");
        }

        if (options.MaxReconnectDelay > MaxWait)
        {
            failures.Add($"{Name}.{nameof(options.MaxReconnectDelay)} must be at most {MaxWait} (was {options.MaxReconnectDelay}).");
        }

        if (options.IdleTimeout <= TimeSpan.Zero && options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"{Name}.{nameof(options.IdleTimeout)} must be positive, or Timeout.InfiniteTimeSpan for none (was {options.IdleTimeout}).");
        }

        if (string.IsNullOrEmpty(options.ResetEventType))
        {
            failures.Add($"{Name}.{nameof(options.ResetEventType)} is required.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
