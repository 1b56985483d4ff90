using System.Text.Json.Serialization;

namespace SseService.LoadTest.Reporting;

/// <summary>Source-generated JSON for the summary: no reflection, stable snake_case names for scripts.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(LoadReport))]
[JsonSerializable(typeof(SseService.LoadTest.Publishing.PublisherSummary))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
