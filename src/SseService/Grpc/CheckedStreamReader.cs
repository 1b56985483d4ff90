using Grpc.Core;

namespace SseService.Grpc;

/// <summary>
/// Runs a check on each message of a client stream as the service reads it, so a refusal (which
/// throws <see cref="PublishRefusedException"/>) comes with the count accepted before it.
/// </summary>
internal sealed class CheckedStreamReader<T>(IAsyncStreamReader<T> inner, Action<T> check) : IAsyncStreamReader<T>
{
    public T Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!await inner.MoveNext(cancellationToken))
        {
            return false;
        }

        check(inner.Current);
        return true;
    }
}
