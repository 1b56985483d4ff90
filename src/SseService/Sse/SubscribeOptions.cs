using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SseService.Sse;

/// <summary>HTTP and socket settings of <c>/subscribe</c>, from the <c>Sse</c> configuration section.</summary>
public sealed class SubscribeOptions
{
    /// <summary>
    /// Origins allowed by CORS, separated by commas or spaces; "*" (the default, as the original)
    /// allows any origin without credentials. Explicit origins are also allowed credentials.
    /// </summary>
    public string CorsOrigins { get; set; } = "*";

    /// <summary>
    /// Kernel send buffer of each accepted connection, in bytes; 0 keeps the operating system's
    /// self-tuning buffer (which lets a client that stopped reading hold megabytes for minutes).
    /// </summary>
    [Range(0, 64 * 1024 * 1024)]
    public int SocketSendBufferBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Whether plain HTTP/1.x streams are written straight to their sockets by the fan-out (one
    /// non-blocking send per stream per batch, the shared bytes as they are) instead of through the
    /// web server's response pipeline. Off, every stream goes through the pipeline (as HTTPS and
    /// HTTP/2 streams always do), on the web server's own socket transport.
    /// </summary>
    public bool DirectSocketWrites { get; set; } = true;

    internal string[] CorsOriginList => CorsOrigins.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

[OptionsValidator]
internal sealed partial class SubscribeOptionsValidator : IValidateOptions<SubscribeOptions>;
