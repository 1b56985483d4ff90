namespace SseService.Hub;

/// <summary>
/// What an event id may be: the one rule behind both what a producer may send as <c>id</c> and what a
/// client may send back as <c>Last-Event-ID</c> or <c>?lastEventId=</c>, so that every id the service
/// hands out can be resumed from.
/// </summary>
/// <remarks>
/// The rule is what survives the round trip through an <c>id:</c> field and back as a request header:
/// <list type="bullet">
/// <item>CR and LF end an SSE field and cannot be in an HTTP header; an SSE parser ignores an id holding NUL.</item>
/// <item>HTTP field values carry tab, space, visible ASCII and any other byte (RFC 9110, 5.5), but no other
/// control character; browsers send <c>Last-Event-ID</c> as UTF-8, which Kestrel decodes by default.</item>
/// <item>HTTP drops spaces and tabs at either end of a header value, so an id starting or ending with one
/// would come back as another id.</item>
/// <item>An unpaired surrogate has no UTF-8 form: it would be sent as U+FFFD and come back as another id.</item>
/// </list>
/// Everything else (tabs and spaces inside, any Unicode) is allowed, up to <c>Sse:MaxFieldLength</c>
/// UTF-16 code units. The empty id means "none".
/// </remarks>
public static class EventIdRule
{
    /// <summary>
    /// Checks <paramref name="id"/>; on failure, <paramref name="problem"/> completes a sentence that starts
    /// with the field's name, e.g. "id " + problem or "Last-Event-ID " + problem.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<char> id, int maxLength, out string problem)
    {
        if (id.Length > maxLength)
        {
            problem = $"is {id.Length} characters, over the limit of {maxLength} (Sse:MaxFieldLength)";
            return false;
        }

        // Control characters first: a line break is the worst thing an id can hold, so it is what is named.
        for (var i = 0; i < id.Length; i++)
        {
            if (IsForbiddenControl(id[i]))
            {
                problem = $"must not contain CR, LF or NUL, nor any other control character but tab (U+{(int)id[i]:X4} at index {i})";
                return false;
            }
        }

        for (var i = 0; i < id.Length; i++)
        {
            if (!char.IsSurrogate(id[i]))
            {
                continue;
            }

            if (char.IsHighSurrogate(id[i]) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                i++;
                continue;
            }

            problem = $"must be valid Unicode (an unpaired surrogate U+{(int)id[i]:X4} at index {i})";
            return false;
        }

        if (id.Length > 0 && (IsHttpWhitespace(id[0]) || IsHttpWhitespace(id[^1])))
        {
            problem = "must not start or end with a space or tab (HTTP drops them from a Last-Event-ID header, so the id could not be resumed from)";
            return false;
        }

        problem = "";
        return true;
    }

    /// <summary>C0 controls but tab, and DEL: what an HTTP field value cannot hold.</summary>
    private static bool IsForbiddenControl(char c) => (c < ' ' && c != '\t') || c == '\u007F';

    private static bool IsHttpWhitespace(char c) => c is ' ' or '\t';
}
