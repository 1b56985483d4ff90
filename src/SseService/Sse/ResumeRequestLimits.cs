using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Sse;

/// <summary>
/// Raises Kestrel's request-line and header limits when they are too small for the longest id the
/// service accepts (<see cref="EventIdRule"/>) to come back: percent-encoded in <c>?lastEventId=</c>
/// (up to 9 bytes per UTF-16 code unit, 3 UTF-8 bytes each as %XX) after the longest namespace, or as a
/// UTF-8 <c>Last-Event-ID</c> header (up to 3 bytes per code unit), over HTTP/1.1 and HTTP/2. At the
/// defaults (256 and 256) Kestrel's own limits (8 KiB request line, 32 KiB of headers, 16 KiB per HTTP/2
/// field) are enough and nothing changes; a limit set higher in configuration is kept.
/// </summary>
internal sealed class ResumeRequestLimits(IOptions<HubOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    // Method, "/subscribe", "?lastEventId=", the HTTP version, other query parameters (an access token).
    private const int RequestLineSlack = 2 * 1024;

    // Every other header a browser sends along.
    private const int HeaderSlack = 16 * 1024;

    public void Configure(KestrelServerOptions kestrel)
    {
        var hub = options.Value;
        var requestLine = (9 * (hub.MaxFieldLength + hub.MaxNamespaceLength)) + RequestLineSlack;

        // Over HTTP/2 the target is a header field (:path) like any other, counted in the total.
        var headers = requestLine + (3 * hub.MaxFieldLength) + HeaderSlack;
        kestrel.Limits.MaxRequestLineSize = Math.Max(kestrel.Limits.MaxRequestLineSize, requestLine);
        kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(kestrel.Limits.MaxRequestHeadersTotalSize, headers);
        kestrel.Limits.Http2.MaxRequestHeaderFieldSize = Math.Max(kestrel.Limits.Http2.MaxRequestHeaderFieldSize, requestLine);
    }
}
