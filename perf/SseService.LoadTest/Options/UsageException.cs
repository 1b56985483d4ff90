namespace SseService.LoadTest.Options;

/// <summary>A bad command line: the message says which option and why; the process exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
