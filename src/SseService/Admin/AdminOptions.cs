namespace SseService.Admin;

/// <summary>Admin settings from the <c>Sse</c> configuration section.</summary>
public sealed class AdminOptions
{
    /// <summary>Turns off <c>/admin/</c>, <c>/admin/status.json</c> and <c>/admin/events</c> (the original's option).</summary>
    public bool DisableAdminEndpoints { get; set; }

    /// <summary>Rows of the open-streams table pushed to the admin page.</summary>
    public int AdminPageConnections { get; set; } = 50;
}
