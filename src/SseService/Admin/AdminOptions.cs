namespace SseService.Admin;

/// <summary>Admin settings from the <c>Sse</c> configuration section.</summary>
public sealed class AdminOptions
{
    /// <summary>Turns off <c>/admin/</c>, <c>/admin/status.json</c> and <c>/admin/events</c> (the original's option).</summary>
    public bool DisableAdminEndpoints { get; set; }

    /// <summary>Who may open the admin endpoints: anyone (the default, as the original), or credentials with the admin grant.</summary>
    public AdminAccess AdminAccess { get; set; } = AdminAccess.Open;

    /// <summary>Rows of the open-streams table pushed to the admin page.</summary>
    public int AdminPageConnections { get; set; } = 50;
}

/// <summary>Who may open the admin endpoints.</summary>
public enum AdminAccess
{
    /// <summary>Anyone who can reach the port.</summary>
    Open,

    /// <summary>An API key with Admin=true, or a JWT with the admin role (header, cookie or query parameter).</summary>
    Credential,
}
