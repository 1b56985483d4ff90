using System.Text.Json.Serialization;

namespace SseService.LoadTest.Reporting;

/// <summary>Source-generated JSON for the summary: no reflection, stable snake_case names for scripts.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(LoadReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
