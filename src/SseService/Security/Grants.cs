namespace SseService.Security;

/// <summary>What an authenticated caller may do: who it is, where it may publish and subscribe, admin or not.</summary>
public sealed record Grants(
    string Subject,
    IReadOnlyList<NamespacePattern> Publish,
    IReadOnlyList<NamespacePattern> Subscribe,
    bool Admin,
    DateTimeOffset? ExpiresAt);
