using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace SseService.LoadTest.Storm;

/// <summary>
/// The server-side cut, made from outside the server with no change to it: <c>ss -K</c> asks the kernel
/// (SOCK_DESTROY) to abort every established socket whose local port is the SSE port, that is the
/// server's end of every stream. Each subscriber then gets a reset, as from a server, proxy or load
/// balancer that drops its connections, and the server's next read or write on each fails, while the
/// process (and its history) keeps running. Needs CAP_NET_ADMIN and a kernel built with
/// CONFIG_INET_DIAG_DESTROY; loopback only, like every target of this tool here. The gRPC port is
/// another port, so the publisher's stream is not touched.
/// </summary>
internal static class ServerSocketCut
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <c>ss -K</c> and returns how many sockets it aborted.</summary>
    /// <exception cref="InvalidOperationException">ss is missing, failed, or timed out; the message says what to do.</exception>
    public static async Task<int> AbortServerSocketsAsync(int port)
    {
        var start = new ProcessStartInfo("ss")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // -K kills what the filter matches; -H no header, so each line is one aborted socket.
        foreach (var argument in (string[])["-K", "-H", "-t", "-n", "state", "established", "( sport = :" + port.ToString(CultureInfo.InvariantCulture) + " )"])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("could not start ss");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run ss (iproute2) for --storm-cut server: {e.Message}; install iproute2 or use --storm-cut tool", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw new InvalidOperationException($"ss -K did not finish within {Timeout.TotalSeconds:0} s");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"ss -K failed (exit code {process.ExitCode}): {(await errors).Trim()}; it needs CAP_NET_ADMIN, else use --storm-cut tool");
            }

            return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        }
    }
}
