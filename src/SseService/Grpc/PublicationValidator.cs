using System.Text;
using Grpc.Core;
using Sse.V1;
using SseService.Hub;

namespace SseService.Grpc;

/// <summary>
/// Checks a producer's <see cref="SseMessage"/> against the contract and the configured limits, and
/// turns it into a <see cref="Publication"/>. Every refusal names the field and the rule broken.
/// </summary>
internal static class PublicationValidator
{
    private const int MaxEchoedLength = 80;

    public static bool TryCreate(SseMessage message, HubOptions options, out Publication publication, out Status refusal)
    {
        publication = default;
        if (!NamespacePath.TryParse(message.Namespace, options.NamespaceRules, out var ns, out var error))
        {
            refusal = Invalid(message.Namespace.Length == 0
                ? "namespace is required (an absolute path such as \"/pets/dogs\")"
                : $"namespace {Echo(message.Namespace)} {error}");
            return false;
        }

        if (!IsValidField(message.Event, "event", options.MaxFieldLength, out refusal))
        {
            return false;
        }

        // An id must be one a client can send back as Last-Event-ID: the subscribe side applies the same rule.
        if (!EventIdRule.IsValid(message.Id, options.MaxFieldLength, out var idProblem))
        {
            refusal = Invalid(message.Id.Length > options.MaxFieldLength
                ? $"id {idProblem}"
                : $"id {idProblem} (got {Echo(message.Id)})");
            return false;
        }

        var dataBytes = Encoding.UTF8.GetByteCount(message.Data);
        if (dataBytes > options.MaxDataBytes)
        {
            refusal = new Status(StatusCode.ResourceExhausted,
                $"data is {dataBytes} bytes, over the limit of {options.MaxDataBytes} bytes (Sse:MaxDataBytes)");
            return false;
        }

        publication = new Publication(ns, message.Event, message.Data, message.Id, message.RetryMs);
        refusal = Status.DefaultSuccess;
        return true;
    }

    private static bool IsValidField(string value, string field, int maxLength, out Status refusal)
    {
        // A line break would end the field and let the value inject fields or whole events;
        // a NUL makes browsers ignore the id.
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            refusal = Invalid($"{field} must not contain CR, LF or NUL (got {Echo(value)})");
            return false;
        }

        if (value.Length > maxLength)
        {
            refusal = Invalid($"{field} is {value.Length} characters, over the limit of {maxLength} (Sse:MaxFieldLength)");
            return false;
        }

        refusal = Status.DefaultSuccess;
        return true;
    }

    private static Status Invalid(string detail) => new(StatusCode.InvalidArgument, detail);

    /// <summary>Quotes a value for an error message: shortened, control characters made visible.</summary>
    private static string Echo(string value)
    {
        var cut = MaxEchoedLength;
        if (value.Length > cut && char.IsHighSurrogate(value[cut - 1]))
        {
            cut--; // never split a surrogate pair
        }

        var shown = value.Length > MaxEchoedLength ? value[..cut] + "…" : value;
        var builder = new StringBuilder(shown.Length + 2).Append('"');
        foreach (var c in shown)
        {
            _ = char.IsControl(c) ? builder.Append($"\\u{(int)c:X4}") : builder.Append(c);
        }

        return builder.Append('"').ToString();
    }
}
