using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace Actors.Hosting;

/// <summary>Orleans' own TLS (Microsoft.Orleans.Connections.Security) as <see cref="ClusterTlsOptions"/> configures it.</summary>
public static class ClusterTlsExtensions
{
    /// <summary>Mutual TLS on this silo's silo and gateway ports when <c>Orleans:Tls:Enabled</c>; nothing otherwise.</summary>
    public static ISiloBuilder UseActorsTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (Trust(configuration) is { } trust)
        {
            silo.UseTls(trust.Certificate, trust.Apply);
        }
        return silo;
    }

    /// <summary>Mutual TLS on this client's gateway connections when <c>Orleans:Tls:Enabled</c>; nothing otherwise.</summary>
    public static IClientBuilder UseActorsTls(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (Trust(configuration) is { } trust)
        {
            client.UseTls(trust.Certificate, trust.Apply);
        }
        return client;
    }

    /// <summary>Whether <c>Orleans:Tls:Enabled</c> is set.</summary>
    public static bool IsTlsEnabled(IConfiguration configuration) =>
        configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>()?.Enabled == true;

    /// <summary>This process's certificate and trust rule when <c>Orleans:Tls:Enabled</c>; null otherwise.</summary>
    private static PeerTrust? Trust(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();
        return options.Enabled ? new PeerTrust(options) : null;
    }

    /// <summary>This process's certificate and the rule for accepting the other side's.</summary>
    private sealed class PeerTrust
    {
        private readonly HashSet<string> _thumbprints = new(StringComparer.OrdinalIgnoreCase);
        private readonly X509Certificate2? _authority;

        public X509Certificate2 Certificate { get; }

        public PeerTrust(ClusterTlsOptions options)
        {
            Certificate = LoadCertificate(options);
            _thumbprints.Add(Certificate.Thumbprint);
            foreach (var thumbprint in options.TrustedThumbprints)
            {
                _thumbprints.Add(thumbprint.Replace(" ", "", StringComparison.Ordinal).Replace(":", "", StringComparison.Ordinal));
            }
            if (!string.IsNullOrWhiteSpace(options.CaCertificatePath))
            {
                _authority = X509CertificateLoader.LoadCertificateFromFile(options.CaCertificatePath);
            }
        }

        public void Apply(TlsOptions tls)
        {
            // Both directions: a silo demands a certificate from silos and clients, a client from the gateway.
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = IsTrusted;
        }

        /// <summary>
        /// Trust is decided here, not by the machine's roots or the host name: silos are addressed by IP and a cluster
        /// certificate is usually self-signed or from a private CA.
        /// </summary>
        private bool IsTrusted(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                return false;
            }
            if (_thumbprints.Contains(certificate.Thumbprint))
            {
                return true;
            }
            if (_authority is null)
            {
                return false;
            }
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(_authority);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return custom.Build(certificate);
        }

        private static X509Certificate2 LoadCertificate(ClusterTlsOptions options)
        {
            if (!string.IsNullOrWhiteSpace(options.CertificatePath))
            {
                if (!File.Exists(options.CertificatePath))
                {
                    throw new InvalidOperationException($"Orleans:Tls:CertificatePath '{options.CertificatePath}' does not exist; it must name a PKCS#12 (.pfx) file with the private key.");
                }
                var fromFile = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
                return fromFile.HasPrivateKey
                    ? fromFile
                    : throw new InvalidOperationException($"Orleans:Tls:CertificatePath '{options.CertificatePath}' holds no private key.");
            }
            if (!string.IsNullOrWhiteSpace(options.CertificateSubject))
            {
                using var store = new X509Store(StoreName.My, options.StoreLocation);
                store.Open(OpenFlags.ReadOnly);
                var found = store.Certificates.Find(X509FindType.FindBySubjectName, options.CertificateSubject, validOnly: false);
                foreach (var candidate in found)
                {
                    if (candidate.HasPrivateKey && candidate.NotAfter > DateTime.Now)
                    {
                        return candidate;
                    }
                }
                throw new InvalidOperationException($"No certificate with a private key for subject '{options.CertificateSubject}' in the {options.StoreLocation}/My store (Orleans:Tls:CertificateSubject).");
            }
            throw new InvalidOperationException("Orleans:Tls:Enabled is set but no certificate is configured: set Orleans:Tls:CertificatePath (and CertificatePassword) or Orleans:Tls:CertificateSubject.");
        }
    }
}
