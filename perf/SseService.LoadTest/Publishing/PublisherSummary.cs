namespace SseService.LoadTest.Publishing;

/// <summary>
/// What <c>--role publisher</c> prints as JSON when it ends: the subscriber process that started it
/// reads it back as the run's <see cref="PublishOutcome"/>. <c>CpuSeconds</c> is the publisher's own CPU.
/// </summary>
internal sealed record PublisherSummary(
    string GrpcUrl, double Rate, int PayloadBytes, int Namespaces, int Publishers, double Seconds, double CpuSeconds,
    long Sent, ulong? Accepted, IReadOnlyList<long> LastSequences, string? Error);
