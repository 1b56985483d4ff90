using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Sse.V1;
using SseService.Hub;
using StackExchange.Redis;

namespace SseService.Backplane;

/// <summary>
/// Orders publications across instances through Redis and feeds every instance's hub in that order.
/// A publish is one atomic script: XADD to a stream (the shared history, whose ids become event ids
/// everywhere) and PUBLISH of the same entry, tagged with the id of the entry before it. Each instance
/// applies live entries in order; when an entry's predecessor is not the last one it applied (a message
/// lost while disconnected), it first reads the missing range from the stream. Only this loop feeds
/// the hub, so every instance sees one order.
/// </summary>
internal sealed partial class RedisBackplane : BackgroundService, IEventPublisher
{
    private const int PageSize = 1_000;
    private const string NoEntry = "0-0";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private const string PublishScript = """
        local previous = redis.call('GET', KEYS[2]) or '0-0'
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'm', ARGV[2])
        redis.call('SET', KEYS[2], id)
        redis.call('PUBLISH', ARGV[3], previous .. ' ' .. id .. ' ' .. ARGV[2])
        return id
        """;

    private readonly SseHub _hub;
    private readonly HubOptions _hubOptions;
    private readonly RedisBackplaneOptions _options;
    private readonly ILogger<RedisBackplane> _logger;
    private readonly ConfigurationOptions _configuration;
    private readonly RedisKey _streamKey;
    private readonly RedisKey _lastKey;
    private readonly RedisChannel _channel;
    private readonly int _maxStreamLength;
    private readonly Channel<ReadOnlyMemory<byte>?> _work = Channel.CreateUnbounded<ReadOnlyMemory<byte>?>(
        new UnboundedChannelOptions { SingleReader = true });

    private ConnectionMultiplexer? _redis;
    private string _lastApplied = NoEntry;
    private volatile bool _caughtUp;

    public RedisBackplane(
        SseHub hub, IOptions<HubOptions> hubOptions, IOptions<RedisBackplaneOptions> options, IConfiguration configuration, ILogger<RedisBackplane> logger)
    {
        _hub = hub;
        _hubOptions = hubOptions.Value;
        _options = options.Value;
        _logger = logger;

        _configuration = ConfigurationOptions.Parse(configuration.GetConnectionString(RedisBackplaneExtensions.ConnectionStringName)!);
        _configuration.AbortOnConnectFail = false; // start anyway; reconnect in the background
        _configuration.BacklogPolicy = BacklogPolicy.FailFast; // refuse at once while down, never queue
        _configuration.AsyncTimeout = (int)_options.OperationTimeout.TotalMilliseconds;
        _configuration.ConnectTimeout = (int)_options.OperationTimeout.TotalMilliseconds;

        // A hash tag keeps both keys in one slot, as a script needs on Redis Cluster.
        _streamKey = $"{{{_options.KeyPrefix}}}:events";
        _lastKey = $"{{{_options.KeyPrefix}}}:last";
        _channel = RedisChannel.Literal($"{_options.KeyPrefix}:live");
        _maxStreamLength = Math.Max(_hubOptions.History.MaxEvents, PageSize);
    }

    /// <summary>Whether Redis is reachable and this instance has applied everything up to the stream's tip.</summary>
    public bool IsHealthy => _redis?.IsConnected == true && _caughtUp;

    public string Status => _redis?.IsConnected != true ? "Redis is not connected" : _caughtUp ? "connected" : "catching up";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(_configuration);
        _redis.ConnectionRestored += (_, _) => RequestCatchUp();
        await base.StartAsync(cancellationToken);
    }

    public async ValueTask<PublishResult> PublishAsync(Publication publication, CancellationToken cancellationToken)
    {
        var redis = _redis;
        if (redis is null || !redis.IsConnected)
        {
            throw new PublishUnavailableException("the Redis backplane is not connected");
        }

        var entry = new SseMessage
        {
            Namespace = publication.Namespace.Value,
            Event = publication.EventType,
            Data = publication.Data,
            Id = publication.Id,
            RetryMs = publication.RetryMilliseconds,
        }.ToByteArray();

        RedisResult result;
        try
        {
            result = await redis.GetDatabase().ScriptEvaluateAsync(
                PublishScript, [_streamKey, _lastKey], [_maxStreamLength, entry, _channel.ToString()]);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new PublishUnavailableException($"the Redis backplane refused it ({e.GetType().Name})", e);
        }

        var streamId = result.ToString();
        if (!RedisStreamId.TryToSequence(streamId, out var sequence))
        {
            throw new PublishUnavailableException($"the Redis backplane answered an unexpected id '{streamId}'");
        }

        var id = publication.Id.Length > 0 ? publication.Id : sequence.ToString(CultureInfo.InvariantCulture);
        return new PublishResult(id, _hub.CountSubscribers(publication.Namespace));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SubscribeAsync(stoppingToken);
        RequestCatchUp();
        await foreach (var work in _work.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                if (work is { } live)
                {
                    await ApplyLiveAsync(live);
                }
                else
                {
                    await CatchUpAsync(upTo: null);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _caughtUp = false;
                BackplaneLog.Unavailable(_logger, e);
                _ = RetryCatchUpLaterAsync(stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        _redis?.Dispose();
        base.Dispose();
    }

    private async Task SubscribeAsync(CancellationToken stoppingToken)
    {
        // The subscription survives reconnects (the client re-subscribes); only the first one may need retries.
        while (true)
        {
            try
            {
                var queue = await _redis!.GetSubscriber().SubscribeAsync(_channel);
                queue.OnMessage(message => _work.Writer.TryWrite((byte[])message.Message!));
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                BackplaneLog.Unavailable(_logger, e);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private void RequestCatchUp() => _work.Writer.TryWrite(null);

    private async Task RetryCatchUpLaterAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(RetryDelay, stoppingToken);
            RequestCatchUp();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Applies one live entry ("previous id payload"), first filling any gap before it.</summary>
    private async Task ApplyLiveAsync(ReadOnlyMemory<byte> message)
    {
        if (!TrySplitLive(message.Span, out var previous, out var streamId, out var payloadStart))
        {
            BackplaneLog.BadEntry(_logger, "?", "malformed live message");
            return;
        }

        if (!RedisStreamId.TryToSequence(streamId, out var sequence) || sequence <= _hub.LastSequence)
        {
            return; // already applied while catching up
        }

        if (!string.Equals(previous, _lastApplied, StringComparison.Ordinal))
        {
            await CatchUpAsync(upTo: streamId); // includes this entry
            return;
        }

        Apply(streamId, sequence, message[payloadStart..], deliver: true);
    }

    /// <summary>Applies every stream entry after the last applied one, up to <paramref name="upTo"/> or the tip.</summary>
    private async Task CatchUpAsync(string? upTo)
    {
        var database = _redis!.GetDatabase();
        var applied = 0;
        var startedFrom = _lastApplied;
        if (_lastApplied == NoEntry)
        {
            // First start: load the recent past into the history only, so resume works here too.
            var recent = await database.StreamRangeAsync(_streamKey, "-", "+", _hubOptions.History.MaxEvents, Order.Descending);
            for (var i = recent.Length - 1; i >= 0; i--)
            {
                ApplyEntry(recent[i], deliver: false);
            }

            applied += recent.Length;
        }
        else
        {
            // The stream is trimmed from its old end: if it now starts after what was applied last,
            // entries in between may be gone for good (a very long outage).
            var oldest = await database.StreamRangeAsync(_streamKey, "-", "+", 1);
            if (oldest.Length > 0 && IsAfter(oldest[0].Id.ToString(), _lastApplied))
            {
                BackplaneLog.EventsLost(_logger, _lastApplied);
            }
        }

        while (true)
        {
            var page = await database.StreamRangeAsync(_streamKey, "(" + _lastApplied, upTo ?? "+", PageSize);
            foreach (var entry in page)
            {
                ApplyEntry(entry, deliver: true);
            }

            applied += page.Length;
            if (page.Length < PageSize)
            {
                break;
            }
        }

        if (startedFrom == NoEntry)
        {
            BackplaneLog.CaughtUp(_logger, _lastApplied, applied);
        }
        else if (applied > 0)
        {
            BackplaneLog.GapFilled(_logger, applied, startedFrom);
        }

        _caughtUp = true;
    }

    private void ApplyEntry(StreamEntry entry, bool deliver)
    {
        var streamId = entry.Id.ToString();
        if (!RedisStreamId.TryToSequence(streamId, out var sequence))
        {
            BackplaneLog.BadEntry(_logger, streamId, "not a stream id");
            return;
        }

        var payload = entry["m"];
        if (payload.IsNull)
        {
            BackplaneLog.BadEntry(_logger, streamId, "no 'm' field");
            _lastApplied = streamId;
            return;
        }

        Apply(streamId, sequence, (byte[])payload!, deliver);
    }

    private void Apply(string streamId, long sequence, ReadOnlyMemory<byte> payload, bool deliver)
    {
        _lastApplied = streamId;
        SseMessage message;
        try
        {
            message = SseMessage.Parser.ParseFrom(payload.Span);
        }
        catch (InvalidProtocolBufferException)
        {
            BackplaneLog.BadEntry(_logger, streamId, "not an SseMessage");
            return;
        }

        // Validated by the instance that accepted it; parsed again with this instance's rules.
        if (!NamespacePath.TryParse(message.Namespace, _hubOptions.NamespaceRules, out var ns, out var error))
        {
            BackplaneLog.BadEntry(_logger, streamId, $"namespace {error}");
            return;
        }

        var publication = new Publication(ns, message.Event, message.Data, message.Id, message.RetryMs);
        _hub.PublishSequenced(publication, sequence, deliver);
    }

    private static bool IsAfter(string streamId, string other) =>
        RedisStreamId.TryToSequence(streamId, out var a) && RedisStreamId.TryToSequence(other, out var b) && a > b;

    private static bool TrySplitLive(ReadOnlySpan<byte> message, out string previous, out string streamId, out int payloadStart)
    {
        previous = streamId = "";
        payloadStart = 0;
        var first = message.IndexOf((byte)' ');
        if (first <= 0)
        {
            return false;
        }

        var second = message[(first + 1)..].IndexOf((byte)' ');
        if (second <= 0)
        {
            return false;
        }

        previous = System.Text.Encoding.ASCII.GetString(message[..first]);
        streamId = System.Text.Encoding.ASCII.GetString(message.Slice(first + 1, second));
        payloadStart = first + 1 + second + 1;
        return true;
    }
}
