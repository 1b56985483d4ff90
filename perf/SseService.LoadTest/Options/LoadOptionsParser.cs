using System.Globalization;
using System.Net;

namespace SseService.LoadTest.Options;

/// <summary>Turns the command line into <see cref="LoadOptions"/>; every mistake is a <see cref="UsageException"/> naming the option.</summary>
internal static class LoadOptionsParser
{
    private const int MaxSubscribers = 1_000_000;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = SplitOption(args[i]);
            string Value() => inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value"));

            options = name switch
            {
                "--help" or "-h" or "-?" => options with { ShowHelp = true },
                "--sse-url" => options with { SseUrl = HttpUrl(name, Value(), allowHttps: false) },
                "--grpc-url" => options with { GrpcUrl = HttpUrl(name, Value(), allowHttps: true) },
                "--subscribers" => options with { Subscribers = Int(name, Value(), 1, MaxSubscribers) },
                "--namespaces" => options with { Namespaces = Int(name, Value(), 1, MaxSubscribers) },
                "--namespaces-per-subscriber" => options with { NamespacesPerSubscriber = Int(name, Value(), 1, 32) },
                "--grpc-subscribe" => options with { GrpcSubscribe = inlineValue is null || Bool(name, inlineValue) },
                "--depth" => options with { Depth = Int(name, Value(), 1, 15) },
                "--prefix" => options with { Prefix = NamespacePrefix(name, Value()) },
                "--rate" => options with { Rate = Number(name, Value(), 0, 10_000_000) },
                "--payload" => options with { PayloadBytes = Int(name, Value(), 0, 16 * 1024 * 1024) },
                "--duration" => options with { DurationSeconds = Number(name, Value(), 0.1, 86_400) },
                "--warmup" => options with { WarmupSeconds = Number(name, Value(), 0, 86_400) },
                "--stalled" => options with { StalledPercent = Number(name, Value(), 0, 99.999) },
                "--reconnect" => options with { Reconnect = inlineValue is null || Bool(name, inlineValue) },
                "--source-addresses" => options with { SourceAddresses = Addresses(name, Value()) },
                "--server-pid" => options with { ServerPid = Pid(name, Value()) },
                "--json" => options with { JsonFile = Value() },
                "--connect-concurrency" => options with { ConnectConcurrency = Int(name, Value(), 1, 100_000) },
                "--publishers" => options with { Publishers = Int(name, Value(), 1, 64) },
                "--no-publish" => options with { NoPublish = inlineValue is null || Bool(name, inlineValue) },
                "--publisher-process" => options with { PublisherProcess = inlineValue is null || Bool(name, inlineValue) },
                "--role" => options with { PublisherRole = Role(name, Value()) },
                "--stop-on-stdin-eof" => options with { StopOnStdinEof = inlineValue is null || Bool(name, inlineValue) },
                "--settle" => options with { SettleSeconds = Number(name, Value(), 0, 3_600) },
                "--idle" => options with { Idle = inlineValue is null || Bool(name, inlineValue) },
                "--storm" => options with { Storm = inlineValue is null || Bool(name, inlineValue) },
                "--storm-cut" => options with { StormCut = Cut(name, Value()) },
                "--storm-jitter" => options with { StormJitterMilliseconds = Number(name, Value(), 0, 600_000) },
                "--storm-timeout" => options with { StormTimeoutSeconds = Number(name, Value(), 1, 3_600) },
                _ => throw new UsageException($"unknown option '{args[i]}'"),
            };
        }

        return Validate(options);
    }

    private static LoadOptions Validate(LoadOptions options)
    {
        if (options.ShowHelp)
        {
            return options;
        }

        if (options.PublisherRole)
        {
            return ValidatePublisherRole(options);
        }

        if (!options.Storm && (options.StormJitterMilliseconds > 0 || options.StormTimeoutSeconds != new LoadOptions().StormTimeoutSeconds || options.StormCut != StormCut.Server))
        {
            throw new UsageException("--storm-cut, --storm-jitter and --storm-timeout apply only with --storm");
        }

        if (options.StopOnStdinEof)
        {
            throw new UsageException("--stop-on-stdin-eof applies only to --role publisher");
        }

        if (options.PublisherProcess && (options.NoPublish || options.Idle))
        {
            throw new UsageException($"--publisher-process contradicts {(options.Idle ? "--idle" : "--no-publish")}: nothing is published");
        }

        if (options.Idle && options.StalledPercent > 0)
        {
            throw new UsageException("--stalled has no effect with --idle: nothing is sent to read");
        }

        if (options.NoPublish && options.Publishers > 1)
        {
            throw new UsageException($"--publishers {options.Publishers} has no effect with --no-publish: this tool publishes nothing");
        }

        if (options.Publishers > options.Namespaces)
        {
            throw new UsageException($"--publishers {options.Publishers} exceeds --namespaces {options.Namespaces}: each stream owns whole namespaces so their order holds");
        }

        if (options.Namespaces > options.Subscribers)
        {
            throw new UsageException($"--namespaces {options.Namespaces} exceeds --subscribers {options.Subscribers}: some namespaces would have nobody listening");
        }

        if (options.NamespacesPerSubscriber > options.Namespaces)
        {
            throw new UsageException($"--namespaces-per-subscriber {options.NamespacesPerSubscriber} exceeds --namespaces {options.Namespaces}: a stream cannot take a leaf twice");
        }

        if (options.GrpcSubscribe && (options.Storm || options.StalledPercent > 0 || options.Reconnect || options.SourceAddresses.Count > 0))
        {
            throw new UsageException("--grpc-subscribe does not take --storm, --stalled, --reconnect or --source-addresses: those are SSE socket tests");
        }

        if (options.StalledSubscribers >= options.Subscribers)
        {
            throw new UsageException($"--stalled {options.StalledPercent.ToString(CultureInfo.InvariantCulture)} leaves no subscriber that reads");
        }

        if (options.SourceAddresses.Count > 0 && options.SourceAddresses.Any(a => a.AddressFamily != options.SourceAddresses[0].AddressFamily))
        {
            throw new UsageException("--source-addresses mixes IPv4 and IPv6; give one family");
        }

        return options.Storm ? ValidateStorm(options) : options;
    }

    /// <summary>A storm needs events to resume from and subscribers that read them; it reconnects by definition.</summary>
    private static LoadOptions ValidateStorm(LoadOptions options)
    {
        if (options.Idle)
        {
            throw new UsageException("--storm contradicts --idle: a storm needs events published to resume from");
        }

        if (options.StalledPercent > 0)
        {
            throw new UsageException("--storm does not take --stalled: every subscriber must read to be checked for what it missed");
        }

        if (options.StormCut == StormCut.Server && !options.SseUrl.IsLoopback)
        {
            throw new UsageException($"--storm-cut server aborts the server's sockets on this machine (ss -K), so --sse-url must be a loopback address, not '{options.SseUrl.Host}'; use --storm-cut tool");
        }

        return options with { Reconnect = true };
    }

    private static StormCut Cut(string name, string value) => value switch
    {
        "server" => StormCut.Server,
        "tool" => StormCut.Tool,
        _ => throw new UsageException($"{name} takes server or tool, not '{value}'"),
    };

    /// <summary>The publisher alone: what it publishes is checked, subscriber options are ignored.</summary>
    private static LoadOptions ValidatePublisherRole(LoadOptions options)
    {
        if (options.NoPublish || options.Idle || options.PublisherProcess)
        {
            throw new UsageException("--role publisher publishes: --no-publish, --idle and --publisher-process do not apply to it");
        }

        if (options.Publishers > options.Namespaces)
        {
            throw new UsageException($"--publishers {options.Publishers} exceeds --namespaces {options.Namespaces}: each stream owns whole namespaces so their order holds");
        }

        return options;
    }

    private static bool Role(string name, string value) => value switch
    {
        "publisher" => true,
        "subscribers" => false,
        _ => throw new UsageException($"{name} takes publisher or subscribers, not '{value}'"),
    };

    private static (string Name, string? Value) SplitOption(string arg)
    {
        if (!arg.StartsWith('-'))
        {
            throw new UsageException($"unexpected argument '{arg}' (options start with --)");
        }

        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (arg, null) : (arg[..equals], arg[(equals + 1)..]);
    }

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max
            ? result
            : throw new UsageException($"{name} must be a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{value}'");

    private static double Number(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max
            ? result
            : throw new UsageException($"{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{value}'");

    private static bool Bool(string name, string value) =>
        bool.TryParse(value, out var result) ? result : throw new UsageException($"{name} takes true or false, not '{value}'");

    private static int Pid(string name, string value)
    {
        var pid = Int(name, value, 1, int.MaxValue);
        return File.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat")
            ? pid
            : throw new UsageException($"{name} {value}: no such process on this machine (/proc/{value}/stat is missing)");
    }

    private static Uri HttpUrl(string name, string value, bool allowHttps)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && !(allowHttps && uri.Scheme == Uri.UriSchemeHttps)))
        {
            throw new UsageException(allowHttps
                ? $"{name} must be an absolute http:// or https:// URL, not '{value}'"
                : $"{name} must be an absolute http:// URL (subscribers speak plain HTTP/1.1), not '{value}'");
        }

        return uri;
    }

    private static string NamespacePrefix(string name, string value)
    {
        var trimmed = value.TrimEnd('/');
        foreach (var segment in trimmed.Split('/').Skip(1))
        {
            // Kept to URL-safe characters so a namespace is its own subscribe path, with nothing to escape.
            if (segment.Length == 0 || segment is "." or ".." || !segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~'))
            {
                throw new UsageException($"{name} must look like /load or /a/b (letters, digits, - _ . ~), not '{value}'");
            }
        }

        return trimmed.Length == 0 || trimmed[0] == '/'
            ? trimmed
            : throw new UsageException($"{name} must start with '/', not '{value}'");
    }

    private static IPAddress[] Addresses(string name, string value)
    {
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new UsageException($"{name} needs at least one address");
        }

        return [.. parts.Select(part => IPAddress.TryParse(part, out var address)
            ? address
            : throw new UsageException($"{name}: '{part}' is not an IP address"))];
    }
}
