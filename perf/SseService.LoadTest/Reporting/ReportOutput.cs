using System.Text.Json;

namespace SseService.LoadTest.Reporting;

/// <summary>Writes the human summary to stderr and the JSON summary to stdout or a file.</summary>
internal static class ReportOutput
{
    public static async Task WriteAsync(LoadReport report, string? jsonFile)
    {
        await Console.Error.WriteAsync(ReportText.Format(report));
        var json = JsonSerializer.Serialize(report, ReportJsonContext.Default.LoadReport);
        if (jsonFile is null)
        {
            await Console.Out.WriteLineAsync(json);
        }
        else
        {
            await File.WriteAllTextAsync(jsonFile, json + "\n", CancellationToken.None);
        }
    }
}
