namespace SseService.AppHost.Redis;

/// <summary>
/// The machine's redis-server as an executable resource, offering what Aspire's Redis container
/// offers a project that references it: <c>ConnectionStrings__redis</c> in StackExchange.Redis form
/// ("host:port,password=..."), on an endpoint behind DCP's proxy.
/// </summary>
internal sealed class LocalRedisResource(string name, ParameterResource password, string workingDirectory)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";

    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => field ??= new EndpointReference(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");
}
