using System.Globalization;

namespace SseService.Tests.Infrastructure;

/// <summary>Checks on the server's event ids, which are one increasing sequence.</summary>
public static class EventIdAssert
{
    public static void StrictlyIncreasing(IEnumerable<string> ids)
    {
        long previous = 0;
        foreach (var id in ids)
        {
            var value = long.Parse(id, CultureInfo.InvariantCulture);
            Assert.True(value > previous, $"id {id} after {previous}");
            previous = value;
        }
    }
}
