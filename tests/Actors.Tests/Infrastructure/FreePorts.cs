using System.Net;
using System.Net.Sockets;

namespace Actors.Tests.Infrastructure;

internal static class FreePorts
{
    /// <summary>A TCP port on loopback that was free a moment ago.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
