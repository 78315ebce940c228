using System.Security.Cryptography.X509Certificates;

namespace Actors.Hosting;

/// <summary>
/// Mutual TLS on the silo-to-silo and gateway ports (section <c>Orleans:Tls</c>), for silos and clients alike. Every
/// connection presents a certificate and accepts the other side's only if it is trusted here: the same certificate as
/// this process's, one of <see cref="TrustedThumbprints"/>, or one issued by <see cref="CaCertificatePath"/>. A caller
/// without such a certificate cannot open a connection, so it cannot call a grain.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "Orleans:Tls";

    /// <summary>Encrypt and authenticate every Orleans connection. Default false (the embedded default listens on loopback only).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Refuse to start a silo that advertises an address off loopback without <see cref="Enabled"/> (the production
    /// profile sets this): the ports would let anyone who reaches them call grain methods. Default false.
    /// </summary>
    public bool RequiredOffLoopback { get; set; }

    /// <summary>This process's certificate with its private key, a PKCS#12 (.pfx) file. Default none.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>; from the environment or a secret store (<c>Orleans__Tls__CertificatePassword</c>). Default none.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Or: the subject of a certificate with a private key in the <c>My</c> store of <see cref="StoreLocation"/>. Default none.</summary>
    public string? CertificateSubject { get; set; }

    /// <summary>The store <see cref="CertificateSubject"/> is looked up in. Default <see cref="StoreLocation.CurrentUser"/>.</summary>
    public StoreLocation StoreLocation { get; set; } = StoreLocation.CurrentUser;

    /// <summary>SHA-1 thumbprints (hex) of the other certificates accepted from peers, besides this process's own. Default none.</summary>
    public string[] TrustedThumbprints { get; set; } = [];

    /// <summary>A CA certificate (PEM or DER) whose issued certificates are accepted from peers. Default none.</summary>
    public string? CaCertificatePath { get; set; }
}
