using System.Text;
using Grpc.Core;
using Sse.V1;
using SseService.Hub;

namespace SseService.Tests.Properties;

/// <summary>
/// The contract's rules for a producer's message, written from README.md ("The contract", "Configuration")
/// rather than from the validator, so that a property can say which messages must be accepted.
/// The namespace rule defers to <see cref="NamespacePath"/>, whose own properties are in NamespaceProperties.
/// </summary>
internal static class PublicationRules
{
    public static readonly string[] Fields = ["namespace", "event", "id", "data"];

    /// <summary>The fields of <paramref name="message"/> that break a rule; empty when it must be accepted.</summary>
    public static List<string> BrokenFields(SseMessage message, HubOptions options)
    {
        var broken = new List<string>();
        if (!NamespacePath.TryParse(message.Namespace, options.NamespaceRules, out _, out _))
        {
            broken.Add("namespace");
        }

        if (!IsValidField(message.Event, options.MaxFieldLength))
        {
            broken.Add("event");
        }

        if (!IsResumableId(message.Id, options.MaxFieldLength))
        {
            broken.Add("id");
        }

        if (Encoding.UTF8.GetByteCount(message.Data) > options.MaxDataBytes)
        {
            broken.Add("data");
        }

        return broken;
    }

    /// <summary>"event and id may not contain CR, LF or NUL", and are at most Sse:MaxFieldLength characters.</summary>
    public static bool HasLineBreakOrNul(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0;

    /// <summary>RESOURCE_EXHAUSTED for sizes (data), INVALID_ARGUMENT for everything else.</summary>
    public static StatusCode CodeFor(string field) => field == "data" ? StatusCode.ResourceExhausted : StatusCode.InvalidArgument;

    /// <summary>
    /// Asserts that a refusal is one the contract allows: INVALID_ARGUMENT or RESOURCE_EXHAUSTED, with a
    /// detail that starts by naming a field, a field that does break a rule, with that field's status code.
    /// </summary>
    public static void AssertJustifiedRefusal(Status refusal, List<string> brokenFields)
    {
        Assert.Contains(refusal.StatusCode, (StatusCode[])[StatusCode.InvalidArgument, StatusCode.ResourceExhausted]);
        var named = Fields.FirstOrDefault(field => refusal.Detail.StartsWith(field + " ", StringComparison.Ordinal));
        Assert.True(named is not null, $"the detail must start by naming the field: {SseGen.Show(refusal.Detail)}");
        Assert.True(brokenFields.Contains(named), $"the detail names {named}, which breaks no rule (broken: {string.Join(", ", brokenFields)}): {SseGen.Show(refusal.Detail)}");
        Assert.Equal(CodeFor(named), refusal.StatusCode);
    }

    private static bool IsValidField(string value, int maxLength) => !HasLineBreakOrNul(value) && value.Length <= maxLength;

    /// <summary>
    /// README's id rule: what a client can send back as Last-Event-ID. Any Unicode, tabs and spaces
    /// inside included, but no control character other than tab (C0 and DEL), no space or tab at either
    /// end, and nothing without a UTF-8 form (an unpaired surrogate); at most Sse:MaxFieldLength characters.
    /// </summary>
    public static bool IsResumableId(string value, int maxLength) =>
        value.Length <= maxLength
        && !value.Any(c => c is (< '\u0020' and not '\t') or '\u007F')
        && value.Trim(' ', '\t').Length == value.Length
        && Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)) == value;
}
