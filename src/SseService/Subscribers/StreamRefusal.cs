namespace SseService.Subscribers;

/// <summary>Why a stream was not opened; each transport answers it in its own way.</summary>
/// <param name="RetryAfter">For refusals that waiting gets past: when to come back.</param>
public sealed record StreamRefusal(RefusalKind Kind, string Reason, TimeSpan? RetryAfter = null);

public enum RefusalKind
{
    /// <summary>The request itself is malformed; asking again the same way cannot help.</summary>
    BadRequest,

    /// <summary>No credential, or one that is not valid.</summary>
    Unauthenticated,

    /// <summary>A valid credential that does not grant this.</summary>
    Forbidden,

    /// <summary>Too many streams from this client; one of them closing makes room.</summary>
    TooManyFromClient,

    /// <summary>The service cannot take a stream now (its cap, its rate, shutting down); later it can.</summary>
    Unavailable,
}
