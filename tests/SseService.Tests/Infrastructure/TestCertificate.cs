using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// A self-signed certificate for CN=localhost (SAN localhost and 127.0.0.1), made once per test run,
/// written as PEM files so the service loads it the way an operator's configuration would
/// (<c>Kestrel:Endpoints:Http:Certificate:Path</c> and <c>KeyPath</c>). Clients trust exactly this
/// certificate and nothing else: no validation is switched off.
/// </summary>
public static class TestCertificate
{
    private static readonly Lazy<Files> s_files = new(Create);

    /// <summary>The certificate (public part), for a client's custom trust store.</summary>
    public static X509Certificate2 Certificate => s_files.Value.Certificate;

    /// <summary>The PEM certificate file.</summary>
    public static string CertificatePath => s_files.Value.CertificatePath;

    /// <summary>The PEM private key file.</summary>
    public static string KeyPath => s_files.Value.KeyPath;

    /// <summary>
    /// Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo: what Chromium's
    /// <c>--ignore-certificate-errors-spki-list</c> takes to trust this one key.
    /// </summary>
    public static string SpkiSha256 => Convert.ToBase64String(SHA256.HashData(Certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    /// <summary>A chain policy for a TLS client that trusts this certificate as its only root; names are still checked.</summary>
    public static X509ChainPolicy TrustOnlyThis() => new()
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        CustomTrustStore = { Certificate },
        RevocationMode = X509RevocationMode.NoCheck,
    };

    private static Files Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        // Backdated a little, so a clock a few seconds apart between this process and a child process agrees it is valid.
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));

        var directory = Path.Combine(Path.GetTempPath(), $"sse-tests-cert-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, "localhost.crt");
        var keyPath = Path.Combine(directory, "localhost.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp directory; nothing depends on it after the run.
            }
        };

        return new Files(X509CertificateLoader.LoadCertificate(certificate.RawData), certificatePath, keyPath);
    }

    private sealed record Files(X509Certificate2 Certificate, string CertificatePath, string KeyPath);
}
