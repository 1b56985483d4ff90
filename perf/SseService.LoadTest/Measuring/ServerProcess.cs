using System.Globalization;

namespace SseService.LoadTest.Measuring;

/// <summary>
/// Reads another process's CPU time and memory from /proc (Linux): the server's, or the publisher's
/// when it runs as a process of its own: utime+stime from /proc/PID/stat,
/// VmRSS from /proc/PID/status. Cheap enough to sample once a second.
/// </summary>
internal sealed class ServerProcess(int pid)
{
    // /proc reports times in USER_HZ, which Linux fixes at 100 for user space on every architecture.
    private const double ClockTicksPerSecond = 100;

    private readonly string _statPath = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat";
    private readonly string _statusPath = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status";

    public int Pid => pid;

    /// <summary>User plus system CPU time so far; null once the process is gone.</summary>
    public TimeSpan? CpuTime()
    {
        var stat = TryRead(_statPath);
        if (stat is null)
        {
            return null;
        }

        // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var userTicks = long.Parse(fields[11], CultureInfo.InvariantCulture);   // field 14, utime
        var systemTicks = long.Parse(fields[12], CultureInfo.InvariantCulture); // field 15, stime
        return TimeSpan.FromSeconds((userTicks + systemTicks) / ClockTicksPerSecond);
    }

    /// <summary>Resident set size in KiB; null once the process is gone.</summary>
    public long? ResidentKiB() => StatusKiB("VmRSS:");

    /// <summary>The highest resident set size the process has had so far (VmHWM), in KiB; null once it is gone.</summary>
    public long? PeakResidentKiB() => StatusKiB("VmHWM:");

    private long? StatusKiB(string field)
    {
        var status = TryRead(_statusPath);
        if (status is null)
        {
            return null;
        }

        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
