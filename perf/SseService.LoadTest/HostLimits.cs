using System.Globalization;
using SseService.LoadTest.Options;

namespace SseService.LoadTest;

/// <summary>
/// Checks the machine can hold the run before it starts: file descriptors (fatal) and ephemeral
/// ports per source address (a warning; failures would show as EADDRNOTAVAIL).
/// </summary>
internal static class HostLimits
{
    // Sockets of the publisher, the runtime and stdio on top of one per subscriber.
    private const int SpareDescriptors = 128;

    /// <summary>Returns why the run cannot start, or null.</summary>
    public static string? Check(LoadOptions options)
    {
        var descriptors = OpenFilesLimit();
        var needed = (long)options.Subscribers + SpareDescriptors;
        if (descriptors is { } limit && limit < needed)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{options.Subscribers:N0} subscribers need about {needed:N0} file descriptors but this process may open {limit:N0}; raise the limit first: ulimit -n 200000");
        }

        var ports = EphemeralPorts();
        var addresses = Math.Max(1, options.SourceAddresses.Count);

        // A storm cut by the tool leaves every first connection's port in TIME_WAIT while the second one takes a new port.
        var portsPerSubscriber = options.Storm && options.StormCut == StormCut.Tool ? 2 : 1;
        if (ports is { } range && (double)options.Subscribers * portsPerSubscriber / addresses > range)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warning: {options.Subscribers:N0} subscribers{(portsPerSubscriber > 1 ? " (twice, for the storm's reconnects)" : "")} over {addresses} source address(es) exceed the {range:N0} ephemeral ports per address (net.ipv4.ip_local_port_range); add --source-addresses 127.0.0.1,127.0.0.2,..."));
        }

        return null;
    }

    /// <summary>The soft RLIMIT_NOFILE (which .NET raises to the hard limit at start), from /proc/self/limits.</summary>
    private static long? OpenFilesLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.TryParse(soft, CultureInfo.InvariantCulture, out var value) ? value : null;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    private static long? EphemeralPorts()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(range[1], CultureInfo.InvariantCulture) - long.Parse(range[0], CultureInfo.InvariantCulture) + 1;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
