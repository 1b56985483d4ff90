namespace SseService.Hub;

/// <summary>Why the hub ended a subscription on its own.</summary>
public enum CloseReason
{
    /// <summary>Still open, or ended by its own side (client gone, server stopping).</summary>
    None,

    /// <summary>Its queue was full: the client reads slower than events arrive.</summary>
    SlowConsumer,

    /// <summary>The credential it was opened with expired: the client must come back with a fresh one.</summary>
    CredentialExpired,

    /// <summary>Its stream ended and it was removed from the hub.</summary>
    Unsubscribed,
}
