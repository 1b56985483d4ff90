using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using SseService.Security;

namespace SseService.Admin;

/// <summary>Warns at start when the service listens beyond loopback with publishing or the admin endpoints open to anyone.</summary>
internal sealed partial class ExposureWarningService(
    IServer server, IHostApplicationLifetime lifetime, IOptions<AuthOptions> auth, IOptions<AdminOptions> admin, ILogger<ExposureWarningService> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Check);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Check()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(address => !IsLoopback(address)).ToList();
        if (exposed.Count == 0)
        {
            return;
        }

        if (!auth.Value.PublishAuthEnabled)
        {
            PublishOpen(logger, string.Join(", ", exposed));
        }

        if (!admin.Value.DisableAdminEndpoints && admin.Value.AdminAccess == AdminAccess.Open)
        {
            AdminOpen(logger, string.Join(", ", exposed));
        }
    }

    private static bool IsLoopback(string address)
    {
        if (!Uri.TryCreate(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    [LoggerMessage(EventId = 301, EventName = "PublishOpenBeyondLoopback", Level = LogLevel.Warning,
        Message = "Listening on {Addresses} with publishing open to anyone: configure Sse:Auth (API keys or JWT) for a public deployment")]
    private static partial void PublishOpen(ILogger logger, string addresses);

    [LoggerMessage(EventId = 302, EventName = "AdminOpenBeyondLoopback", Level = LogLevel.Warning,
        Message = "Listening on {Addresses} with the admin endpoints open to anyone (they show client addresses): set Sse:AdminAccess=Credential or Sse:DisableAdminEndpoints=true")]
    private static partial void AdminOpen(ILogger logger, string addresses);
}
