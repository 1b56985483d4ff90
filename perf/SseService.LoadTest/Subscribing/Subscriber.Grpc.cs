using System.Diagnostics;
using System.Text;
using Grpc.Core;
using Sse.V1;

namespace SseService.LoadTest.Subscribing;

/// <summary>
/// --grpc-subscribe: the same subscriber over the gRPC <c>Subscribe</c> RPC. The stream is open when the
/// server's response headers arrive (it sends them at once); each event's data goes through the same
/// check as an SSE event's (<see cref="OnPayload"/>), its latency taken when the message is read.
/// No reconnect, storm or stall here: the parser refuses them with --grpc-subscribe.
/// </summary>
internal sealed partial class Subscriber
{
    private static readonly TimeSpan GrpcOpenTimeout = TimeSpan.FromSeconds(30);

    private async Task RunGrpcAsync(Broadcaster.BroadcasterClient client, Action<bool> firstAttemptDone)
    {
        var call = await TryOpenGrpcAsync(client);
        firstAttemptDone(call is not null);
        if (call is null)
        {
            return;
        }

        using (call)
        {
            // The payload check reads bytes: the first DataKeep characters are enough, as for SSE.
            var head = new byte[SseEventReader.DataKeep];
            try
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    _now = Stopwatch.GetTimestamp();
                    var data = call.ResponseStream.Current.Data;
                    var length = Encoding.ASCII.GetBytes(data.AsSpan(0, Math.Min(data.Length, head.Length)), head);
                    OnPayload(head.AsSpan(0, length));
                }

                if (!_shared.IsStopping)
                {
                    Interlocked.Increment(ref _closedByServer);
                }
            }
            catch (RpcException e) when (!_shared.IsStopping)
            {
                _shared.Errors.Note("stream: " + e.StatusCode);
                Interlocked.Increment(ref _closedByServer);
            }
            catch (RpcException)
            {
                // The run is over: the call was cancelled by the stop token.
            }
            finally
            {
                _isConnected = false;
            }
        }
    }

    private async Task<AsyncServerStreamingCall<SseEvent>?> TryOpenGrpcAsync(Broadcaster.BroadcasterClient client)
    {
        var gate = _shared.ConnectGate;
        try
        {
            await gate.WaitAsync(_shared.Stopping);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        AsyncServerStreamingCall<SseEvent>? call = null;
        try
        {
            var request = new SubscribeRequest();
            request.Namespaces.Add(_shared.Plan.NamesFrom(Leaf));
            call = client.Subscribe(request, cancellationToken: _shared.Stopping);
            await call.ResponseHeadersAsync.WaitAsync(GrpcOpenTimeout, _shared.Stopping);
            _isConnected = true;
            NoteOpened();
            return call;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or TimeoutException)
        {
            call?.Dispose();
            if (!_shared.IsStopping)
            {
                _shared.Errors.Note("subscribe: " + (e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : "timed out"));
            }

            return null;
        }
        finally
        {
            gate.Release();
        }
    }
}
