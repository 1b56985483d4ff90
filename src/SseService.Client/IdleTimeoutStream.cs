namespace SseService.Client;

/// <summary>
/// A read-only view of a response body that cancels <paramref name="idle"/> when one read waits longer
/// than <paramref name="timeout"/>. The SSE parser hides comments, so this is the only place keep-alives
/// are seen: a connection that goes silent (a dead peer sends no FIN) is dropped instead of hanging
/// forever. The clock runs only while a read waits, so a consumer that is slow to handle an event never
/// counts against the server.
/// </summary>
internal sealed class IdleTimeoutStream(Stream inner, CancellationTokenSource idle, TimeSpan timeout) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Arm(timeout);
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Arm(Timeout.InfiniteTimeSpan);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // The parser reads asynchronously; a synchronous read cannot be cancelled, so it gets no deadline.
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Arm(TimeSpan delay)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            try
            {
                idle.CancelAfter(delay);
            }
            catch (ObjectDisposedException)
            {
                // The connection is being torn down.
            }
        }
    }
}
