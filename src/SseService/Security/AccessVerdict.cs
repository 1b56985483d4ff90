namespace SseService.Security;

/// <summary>What a credential check decided, in no transport's terms.</summary>
public enum AccessVerdict
{
    Granted,

    /// <summary>No credential where one is needed, or one that is not valid.</summary>
    Unauthenticated,

    /// <summary>A valid credential that does not grant this.</summary>
    Forbidden,
}
