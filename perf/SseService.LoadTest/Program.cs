using System.Runtime.InteropServices;
using SseService.LoadTest;
using SseService.LoadTest.Options;
using SseService.LoadTest.Publishing;
using SseService.LoadTest.Subscribing;

SocketCompletions.PreferInline();

// Exit codes: 0 the run completed, 1 it could not run (nothing connected, publishing failed), 2 bad arguments.
LoadOptions options;
try
{
    options = LoadOptionsParser.Parse(args);
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    await Console.Error.WriteLineAsync("Run with --help for usage.");
    return 2;
}

if (options.ShowHelp)
{
    await Console.Out.WriteAsync(Usage.Text);
    return 0;
}

// Ctrl+C (or a SIGTERM from a script's timeout) ends the run early but still reports what was measured.
using var interrupted = new CancellationTokenSource();
void Interrupt(PosixSignalContext signal)
{
    signal.Cancel = true;
    interrupted.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

return options.PublisherRole
    ? await PublisherRole.RunAsync(options, interrupted.Token)
    : await LoadRun.RunAsync(options, interrupted.Token);
