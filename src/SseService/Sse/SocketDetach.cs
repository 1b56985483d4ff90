using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SseService.Sse;

/// <summary>
/// Takes a connection away from the web server. A second descriptor of the socket becomes a socket
/// of our own, and the server's descriptor is made to refer to an unconnected placeholder socket, so
/// whatever the server then does with its socket (shut it down, close it, abort its pending read)
/// never reaches the client's connection. Aborting the request then makes the server drop everything
/// it held for the connection (connection, request, pipes: about 11 KiB), quietly, as for any abort.
/// </summary>
internal static partial class SocketDetach
{
    /// <summary>Where a socket can be taken over this way (descriptors are POSIX's).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    public static Socket Detach(Socket server)
    {
        var handle = server.SafeHandle;
        var added = false;
        int descriptor;
        try
        {
            // Held meanwhile, so the server cannot close (and the system reuse) its descriptor under us.
            handle.DangerousAddRef(ref added);
            var serverDescriptor = (int)handle.DangerousGetHandle();
            descriptor = Dup(serverDescriptor);
            if (descriptor < 0)
            {
                throw new SocketException(Marshal.GetLastPInvokeError());
            }

            using var placeholder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (Dup2((int)placeholder.Handle, serverDescriptor) < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                _ = Close(descriptor);
                throw new SocketException(error);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return new Socket(new SafeSocketHandle(descriptor, ownsHandle: true));
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int descriptor);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int descriptor, int replaced);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
