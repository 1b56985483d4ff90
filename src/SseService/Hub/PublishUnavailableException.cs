namespace SseService.Hub;

/// <summary>A publication was refused because it could not be accepted safely now; the producer should retry.</summary>
public sealed class PublishUnavailableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
