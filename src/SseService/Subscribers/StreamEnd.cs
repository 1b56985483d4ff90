namespace SseService.Subscribers;

/// <summary>Why a subscriber stream ended: decided once, by the stream, whoever noticed first.</summary>
public enum StreamEnd
{
    /// <summary>Still open.</summary>
    None,

    /// <summary>The client closed or reset its connection.</summary>
    ClientGone,

    /// <summary>The transport failed to send.</summary>
    SendFailed,

    /// <summary>The service is stopping: the stream ends cleanly, so the client reconnects elsewhere.</summary>
    ServerStopping,

    /// <summary>Its queue was full or too old: the client reads slower than events arrive.</summary>
    SlowConsumer,

    /// <summary>The credential it was opened with expired.</summary>
    CredentialExpired,
}
