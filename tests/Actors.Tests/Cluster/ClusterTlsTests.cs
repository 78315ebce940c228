using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Actors.Grains.Hosting;
using Actors.Hosting;
using Actors.Silo.Hosting;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Actors.Tests.Cluster;

/// <summary>
/// Two silo hosts with mutual TLS (<c>Orleans:Tls</c>) on a self-signed cluster certificate made here: they form one
/// cluster over TLS, a client with the certificate calls grains, a client without TLS or with another certificate is
/// refused before it can call anything.
/// </summary>
public sealed class ClusterTlsTests : IAsyncLifetime
{
    private const string Password = "test-only-pfx-password";
    private readonly string _directory = Directory.CreateTempSubdirectory("actors-tls-").FullName;
    private readonly string _clusterId = $"tls-{Guid.NewGuid():N}";
    private readonly int _primarySiloPort = FreePorts.Next();
    private readonly int _gatewayPort = FreePorts.Next();
    private readonly List<IHost> _silos = [];
    private string _clusterCertificate = "";

    public async Task InitializeAsync()
    {
        _clusterCertificate = WriteSelfSigned("CN=actors-cluster-test", "cluster.pfx");
        _silos.Add(await StartSiloAsync(_primarySiloPort, _gatewayPort));
        _silos.Add(await StartSiloAsync(FreePorts.Next(), FreePorts.Next()));
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in Enumerable.Reverse(_silos))
        {
            await silo.StopAsync();
            silo.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_client_with_the_cluster_certificate_calls_grains_on_a_cluster_formed_over_tls()
    {
        using var client = await StartClientAsync(TlsSettings(_clusterCertificate));

        var hosts = await Eventually.MatchesAsync(
            () => client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true),
            h => h.Count == 2,
            "both TLS silos to be active members");
        Assert.Equal(2, hosts.Count);
        var item = await client.Services.GetRequiredService<IClusterClient>().GetGrain<IItemGrain>($"tls-{Guid.NewGuid():N}").GetAsync();
        Assert.Null(item);
    }

    [Fact]
    public async Task A_client_without_tls_is_refused()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CallThroughClientAsync(new Dictionary<string, string?>()));
        AssertRefused(error);
    }

    [Fact]
    public async Task A_client_with_an_untrusted_certificate_is_refused()
    {
        var stranger = WriteSelfSigned("CN=actors-cluster-test", "stranger.pfx");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => CallThroughClientAsync(TlsSettings(stranger)));
        AssertRefused(error);
    }

    [Fact]
    public void A_tls_setting_without_a_certificate_refuses_to_start_with_a_message()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Orleans:Tls:Enabled"] = "true" }).Build();
        var builder = Host.CreateApplicationBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.UseOrleansClient(c => c.UseActorsTls(configuration)));

        Assert.Contains("Orleans:Tls:CertificatePath", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The connection was refused: not a call that timed out, nor a start that was still retrying when cancelled.</summary>
    private static void AssertRefused(Exception error)
    {
        Assert.False(error is TimeoutException or OperationCanceledException, $"not refused but given up on: {error}");
    }

    /// <summary>
    /// Starts a client that does not retry a failed connection, and makes one grain call; either fails when the gateway
    /// refuses the connection.
    /// </summary>
    private async Task CallThroughClientAsync(Dictionary<string, string?> settings)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var client = await StartClientAsync(settings, retry: false, timeout.Token);
        await client.Services.GetRequiredService<IClusterClient>().GetGrain<IItemGrain>($"tls-{Guid.NewGuid():N}").GetAsync().WaitAsync(timeout.Token);
    }

    private static Dictionary<string, string?> TlsSettings(string certificatePath) => new()
    {
        ["Orleans:Tls:Enabled"] = "true",
        ["Orleans:Tls:CertificatePath"] = certificatePath,
        ["Orleans:Tls:CertificatePassword"] = Password,
    };

    private async Task<IHost> StartSiloAsync(int siloPort, int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(TlsSettings(_clusterCertificate));
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, _primarySiloPort), serviceId: _clusterId, clusterId: _clusterId)
            .UseActorsTls(builder.Configuration)
            .AddActors()
            .AddActorsInMemoryProviders());
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private async Task<IHost> StartClientAsync(Dictionary<string, string?> settings, bool retry = true, CancellationToken cancellationToken = default)
    {
        // Exactly these settings: not the appsettings files of the output folder, whose production profile would choose
        // Azure Table membership and Azure Queue streams.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:GatewayPort"] = _gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:ServiceId"] = _clusterId,
            ["Orleans:ClusterId"] = _clusterId,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        // The command-line client's own set-up: membership, Orleans:Tls and the stream from configuration.
        builder.UseOrleansClient(client =>
        {
            client.UseActorsCluster(builder.Configuration);
            if (!retry)
            {
                client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }

    /// <summary>A self-signed certificate for both TLS roles, written as a password-protected PKCS#12 file.</summary>
    private string WriteSelfSigned(string subject, string fileName)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(_directory, fileName);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }
}
