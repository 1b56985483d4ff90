using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// A small web host for the real peers tests need (an OTLP receiver, an OpenID authority), on one
/// loopback port. Its content root is an empty folder: the service's appsettings.json, copied next
/// to the tests, would otherwise add the service's own Kestrel endpoints to it.
/// </summary>
internal static class AuxiliaryHost
{
    public static (WebApplicationBuilder Builder, int Port) Create(HttpProtocols protocols = HttpProtocols.Http1)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = Directory.CreateTempSubdirectory("sse-aux-").FullName,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = protocols));
        return (builder, port);
    }
}
