namespace SseService.Sse;

/// <summary>HTTP-side settings of <c>/subscribe</c>, from the <c>Sse</c> configuration section.</summary>
public sealed class SubscribeOptions
{
    /// <summary>
    /// Origins allowed by CORS, separated by commas or spaces; "*" (the default, as the original)
    /// allows any origin without credentials. Explicit origins are also allowed credentials.
    /// </summary>
    public string CorsOrigins { get; set; } = "*";

    internal string[] CorsOriginList => CorsOrigins.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
