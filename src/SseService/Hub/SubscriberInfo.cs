namespace SseService.Hub;

/// <summary>Who is subscribed, as operators see it on the admin page. Plain strings: the hub knows no HTTP.</summary>
public sealed record SubscriberInfo(string RequestPath, string ClientAddress, string UserAgent);
