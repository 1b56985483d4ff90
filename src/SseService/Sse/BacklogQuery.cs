using System.Globalization;

namespace SseService.Sse;

/// <summary>
/// <c>?backlog=N</c>: a new stream starts with the last N events its namespace received. Only the
/// form is checked here (a whole number); the limit (<c>Sse:MaxBacklog</c>) is the admission's.
/// </summary>
internal static class BacklogQuery
{
    public const string Name = "backlog";

    /// <summary>0 when absent; false with a reason when it is not one whole number.</summary>
    public static bool TryRead(HttpRequest request, out int backlog, out string error)
    {
        backlog = 0;
        error = "";
        var values = request.Query[Name];
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count > 1 || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out backlog))
        {
            backlog = 0;
            error = $"invalid {Name} \"{values}\": must be one whole number of events (at most Sse:MaxBacklog)";
            return false;
        }

        return true;
    }
}
