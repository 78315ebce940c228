using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Actors.Browser.Tests;

/// <summary>
/// The real silo host listening on a loopback port (Kestrel), with the first users of the sample catalog imported
/// on start, so a real browser can load the page.
/// </summary>
/// <remarks>Not sealed: a test class that needs other settings derives a fixture of its own.</remarks>
public class ExplorerSilo : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly int _httpPort = FreePort();

    public Uri BaseAddress => new($"http://127.0.0.1:{_httpPort}/");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", FreePort().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:ClusterId", $"browser-tests-{Guid.NewGuid():N}");
        builder.UseSetting("Catalog:ImportWhenEmpty", "true");
        builder.UseSetting("Catalog:MaxUsers", "40");
    }

    public async Task InitializeAsync()
    {
        UseKestrel(_httpPort);
        StartServer();
        using var http = new HttpClient { BaseAddress = BaseAddress };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            using var response = await http.GetAsync(new Uri("health", UriKind.Relative));
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The silo did not report healthy within 3 minutes (last: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}).");
            }
            await Task.Delay(250);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
