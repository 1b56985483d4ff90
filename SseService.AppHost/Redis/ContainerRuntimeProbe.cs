using Microsoft.Extensions.Configuration;

using System.ComponentModel;
using System.Diagnostics;

namespace SseService.AppHost.Redis;

/// <summary>
/// Asks the container runtime Aspire would use whether its engine answers. A client without an
/// engine (this kind of machine has the docker CLI and no daemon) is "no runtime": DCP would accept
/// the container and leave it unhealthy forever, with the service waiting on it.
/// </summary>
internal static class ContainerRuntimeProbe
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    /// <summary>The runtime Aspire picks: ASPIRE_CONTAINER_RUNTIME (or its older DOTNET_ name), else docker.</summary>
    public static string RuntimeName(IConfiguration configuration) =>
        configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] ?? "docker";

    /// <summary>True when <c>{runtime} info</c> reaches an engine within 10 s; why not otherwise.</summary>
    public static bool Answers(string runtime, out string reason)
    {
        var start = new ProcessStartInfo(runtime)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("info");
        start.ArgumentList.Add("--format");
        start.ArgumentList.Add("{{.ServerVersion}}");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{runtime} did not start");
        }
        catch (Win32Exception e)
        {
            reason = $"'{runtime}' cannot be run ({e.Message})";
            return false;
        }

        using (process)
        {
            // Read both pipes so a chatty client cannot block on a full one.
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(s_timeout))
            {
                process.Kill(entireProcessTree: true);
                reason = $"'{runtime} info' did not answer within {s_timeout.TotalSeconds:0} s";
                return false;
            }

            if (process.ExitCode != 0)
            {
                var firstLine = error.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
                reason = $"'{runtime} info' failed: {firstLine ?? $"exit code {process.ExitCode}"}";
                return false;
            }

            reason = $"{runtime} engine {output.Result.Trim()} answers";
            return true;
        }
    }
}
