using System.Text.Json;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace SseService.Grpc;

/// <summary>
/// Refuses a transcoded JSON body (<c>POST /v1/broadcast</c>) that names a field the message does not
/// have, as proto3 JSON parsers do by default (https://protobuf.dev/programming-guides/json/):
/// JSON transcoding itself drops such fields, so a typo ("dta") would publish an empty event. The
/// answer is the one transcoding gives for other bad JSON: 400 with a google.rpc.Status body.
/// </summary>
internal static class JsonUnknownFields
{
    // Quotes as quotes, as transcoding writes its own errors (the body is JSON, never HTML).
    private static readonly GrpcJsonContext Json = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static IApplicationBuilder UseJsonUnknownFieldCheck(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var transcoded = context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>();
            // A body that is not JSON (a form, say) is left to transcoding, which refuses it by its content type.
            if (transcoded is null || transcoded.HttpRule.Body != "*" || !context.Request.HasJsonContentType())
            {
                await next(context);
                return;
            }

            context.Request.EnableBuffering();
            var unknown = await FirstUnknownFieldAsync(context.Request.Body, transcoded.MethodDescriptor.InputType, context.RequestAborted);
            context.Request.Body.Position = 0;
            if (unknown is null)
            {
                await next(context);
                return;
            }

            var message = $"unknown field \"{unknown}\" in {transcoded.MethodDescriptor.InputType.Name}; its fields are "
                + string.Join(", ", transcoded.MethodDescriptor.InputType.Fields.InFieldNumberOrder().Select(f => f.JsonName));
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new RpcStatusBody(3, message), Json.RpcStatusBody), context.RequestAborted);
        });

    /// <summary>The first top-level property that is neither a field's JSON name nor its proto name; null when none (or not a JSON object: transcoding explains that).</summary>
    private static async Task<string?> FirstUnknownFieldAsync(Stream body, MessageDescriptor message, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (message.FindFieldByName(property.Name) is null && !message.Fields.InDeclarationOrder().Any(f => f.JsonName == property.Name))
                {
                    return property.Name;
                }
            }

            return null;
        }
    }
}

/// <summary>The JSON shape of google.rpc.Status, as JSON transcoding answers errors.</summary>
internal sealed record RpcStatusBody(int Code, string Message)
{
    public string[] Details { get; } = []; // always empty here, as google.rpc.Status allows
}

[System.Text.Json.Serialization.JsonSerializable(typeof(RpcStatusBody))]
internal sealed partial class GrpcJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
