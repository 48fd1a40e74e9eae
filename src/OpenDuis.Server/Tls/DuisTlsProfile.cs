using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace OpenDuis.Server.Tls;

/// <summary>
/// The DUIS connection profile (R-WS-3; DUIS 2.2, DCC Gateway TLS): TLS 1.2 only, the one cipher
/// suite TLS_RSA_WITH_AES_128_GCM_SHA256, and mutual authentication with certificates chained to
/// the DCCKI CA. Anything else fails the handshake, before any HTTP is read.
/// </summary>
public sealed class DuisTlsProfile
{
    public static readonly TlsCipherSuite OnlySuite = TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256;

    private readonly X509Certificate2 _trustedCa;

    public X509Certificate2 ServerCertificate { get; }

    public DuisTlsProfile(X509Certificate2 serverCertificate, X509Certificate2 dcckiCa)
    {
        ServerCertificate = serverCertificate;
        _trustedCa = dcckiCa;
    }

    public static DuisTlsProfile Load(DcckiFiles files)
    {
        if (!files.Exists)
            throw new FileNotFoundException($"The DUIS profile needs the DCCKI CA and server certificate in {files.Directory} (run `openduis init`).");
        return new DuisTlsProfile(
            X509Certificate2.CreateFromPemFile(files.ServerCertificate, files.ServerKey),
            X509CertificateLoader.LoadCertificateFromFile(files.CaCertificate));
    }

    private static PlatformNotSupportedException NoCipherControl() =>
        new("The duis profile must restrict the cipher suite, which SslStream supports on Linux and macOS only.");

    public void Apply(ListenOptions listen)
    {
        if (OperatingSystem.IsWindows()) throw NoCipherControl();
        // HTTP/2 over TLS requires ECDHE suites (RFC 7540 9.2.2), which this profile forbids.
        listen.Protocols = HttpProtocols.Http1;
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = ServerCertificate,
            SslProtocols = SslProtocols.Tls12,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            CheckCertificateRevocation = false,
            ClientCertificateValidation = (certificate, _, _) => IsDcckiClient(certificate),
            OnAuthenticate = (_, ssl) =>
            {
                if (OperatingSystem.IsWindows()) throw NoCipherControl();
                ssl.CipherSuitesPolicy = new CipherSuitesPolicy([OnlySuite]);
            },
        });
    }

    /// <summary>
    /// An HTTP handler that connects as <paramref name="user"/> over the profile: TLS 1.2, the one suite,
    /// the User's DCCKI client certificate, and the server checked against the DCCKI CA.
    /// </summary>
    public static SocketsHttpHandler CreateClientHandler(DcckiFiles files, Protocol.Domain.Eui user)
    {
        if (OperatingSystem.IsWindows()) throw NoCipherControl();
        var ca = X509CertificateLoader.LoadCertificateFromFile(files.CaCertificate);
        var client = X509Certificate2.CreateFromPemFile(files.ClientCertificate(user), files.ClientKey(user));
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12,
                CipherSuitesPolicy = new CipherSuitesPolicy([OnlySuite]),
                ClientCertificates = new X509CertificateCollection { client },
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
    }

    /// <summary>True when the client certificate chains to the configured DCCKI CA and allows client authentication.</summary>
    public bool IsDcckiClient(X509Certificate2? certificate)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }
}
