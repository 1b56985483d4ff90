namespace SseService.Security;

/// <summary>The outcome of checking a presented credential.</summary>
public readonly record struct AuthResult(AuthStatus Status, Grants? Grants, string Reason)
{
    public static AuthResult Anonymous { get; } = new(AuthStatus.Anonymous, null, "no credential");

    public static AuthResult Invalid(string reason) => new(AuthStatus.Invalid, null, reason);

    public static AuthResult Valid(Grants grants) => new(AuthStatus.Valid, grants, "");
}

public enum AuthStatus
{
    /// <summary>No credential was presented.</summary>
    Anonymous,

    /// <summary>A credential was presented but is not valid (bad signature, expired, unknown key).</summary>
    Invalid,

    /// <summary>A valid credential; see its grants.</summary>
    Valid,
}
