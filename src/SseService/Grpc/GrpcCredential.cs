using Grpc.Core;

namespace SseService.Grpc;

/// <summary>Where gRPC callers put their credential: "authorization: Bearer …".</summary>
internal static class GrpcCredential
{
    private const string BearerPrefix = "Bearer ";

    public static string? From(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        return header is not null && header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            ? header[BearerPrefix.Length..].Trim()
            : null;
    }
}
