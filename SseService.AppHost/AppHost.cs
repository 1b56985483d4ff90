using Microsoft.Extensions.Configuration;
using SseService.AppHost.Redis;

// The service, its sample producer and (optionally) Redis under the Aspire dashboard.
//   dotnet run --project SseService.AppHost                      one instance, in-process hub
//   dotnet run --project SseService.AppHost -- --UseRedis=true   Redis and two replicas of the service
//   ... -- --UseRedis=true --RedisMode=Executable                force Debian's redis-server (or Container)
// The "http" launch profile (Properties/launchSettings.json) serves the dashboard on
// http://localhost:15888 without a development certificate.

var builder = DistributedApplication.CreateBuilder(args);

// No launch profile for the service: its two endpoints come from its own Kestrel:Endpoints
// configuration (src/SseService/appsettings.json). Two endpoints share the "http" scheme, so Aspire
// keeps their configuration names, "Http" and "Grpc"; Protocols=Http2 makes "Grpc" an HTTP/2 endpoint.
// The configured ports (8001, 8002) become the proxies' ports, and each process is told its own port
// through Kestrel__Endpoints__Http__Url and Kestrel__Endpoints__Grpc__Url (Protocols stay as configured).
var sse = builder.AddProject<Projects.SseService>("sse")
    // On "Http" by name: "Grpc" is HTTP/2 only and would refuse the HTTP/1.1 probe.
    .WithHttpHealthCheck("/health", endpointName: "Http");

if (builder.Configuration.GetValue<bool>("UseRedis"))
{
    // ConnectionStrings__redis ("host:port,password=...") switches the Redis backplane on, which is
    // what lets replicas behind one proxy deliver every message to every subscriber.
    var redis = builder.AddRedisBackplane("redis");
    sse.WithReference(redis)
        .WaitFor(redis)
        .WithReplicas(builder.Configuration.GetValue("Replicas", 2));
}

// Service discovery: the producer gets services__sse__Grpc__0=http://localhost:8002 (the Grpc proxy;
// the endpoint name keeps its case) and services__sse__http__0=http://localhost:8001.
builder.AddProject<Projects.SseService_SampleProducer>("producer")
    .WithReference(sse)
    .WaitFor(sse);

builder.Build().Run();
