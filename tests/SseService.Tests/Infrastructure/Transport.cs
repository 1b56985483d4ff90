namespace SseService.Tests.Infrastructure;

/// <summary>How subscribers reach the service's <c>Http</c> endpoint in a test.</summary>
public enum Transport
{
    /// <summary>
    /// Plain HTTP/1.1 (<c>Protocols=Http1</c>, the shipped default): streams take the direct socket
    /// path (<c>Sse:DirectSocketWrites</c>).
    /// </summary>
    Http1Direct,

    /// <summary>
    /// HTTPS with HTTP/1.1 and HTTP/2 (<c>Protocols=Http1AndHttp2</c>) and the <see cref="TestCertificate"/>;
    /// the client speaks HTTP/2 only, so every stream goes through Kestrel's response pipeline, one
    /// HTTP/2 stream each, multiplexed on one connection.
    /// </summary>
    HttpsHttp2,
}
