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

    private static readonly System.Security.Cryptography.Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static readonly System.Security.Cryptography.Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    private readonly X509Certificate2 _trustedCa;

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The DCC's certificate for delivering to Users' https endpoints (mutual TLS); null if none is configured.</summary>
    public X509Certificate2? DeliveryCertificate { get; }

    public DuisTlsProfile(X509Certificate2 serverCertificate, X509Certificate2 dcckiCa, X509Certificate2? deliveryCertificate = null)
    {
        ServerCertificate = serverCertificate;
        _trustedCa = dcckiCa;
        DeliveryCertificate = deliveryCertificate;
    }

    public static DuisTlsProfile Load(DcckiFiles files)
    {
        if (!files.Exists)
            throw new FileNotFoundException($"The DUIS profile needs the DCCKI CA and server certificate in {files.Directory} (run `openduis init`).");
        return new DuisTlsProfile(
            X509Certificate2.CreateFromPemFile(files.ServerCertificate, files.ServerKey),
            X509CertificateLoader.LoadCertificateFromFile(files.CaCertificate),
            File.Exists(files.DspClientCertificate) ? X509Certificate2.CreateFromPemFile(files.DspClientCertificate, files.DspClientKey) : null);
    }

    /// <summary>
    /// The HTTP handler the outbox delivery worker POSTs with (R-WS-2 over R-WS-3): to an https endpoint
    /// it speaks TLS 1.2 with the one suite, presents the DCC's DCCKI client certificate and accepts only
    /// a server certificate that chains to the DCCKI CA, is for server authentication and names the
    /// endpoint's host. Plain http endpoints are reached as before.
    /// </summary>
    public SocketsHttpHandler CreateDeliveryHandler()
    {
        if (OperatingSystem.IsWindows()) throw NoCipherControl();
        var ssl = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12,
            CipherSuitesPolicy = new CipherSuitesPolicy([OnlySuite]),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null
                && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                && ChainsToDccki(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), ServerAuth),
        };
        if (DeliveryCertificate is not null) ssl.ClientCertificates = new X509CertificateCollection { DeliveryCertificate };
        var handler = Hosting.DuisServer.DeliveryHandler();
        handler.SslOptions = ssl;
        return handler;
    }

    /// <summary>
    /// Serves <paramref name="listen"/> as a User's response endpoint on the profile: the User's DCCKI
    /// certificate, and the DCC's DCCKI client certificate required of whoever delivers.
    /// </summary>
    public static void ApplyToEndpoint(ListenOptions listen, X509Certificate2 endpointCertificate, X509Certificate2 dcckiCa) =>
        new DuisTlsProfile(endpointCertificate, dcckiCa).Apply(listen);

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

    /// <summary>
    /// The User a DCCKI client certificate is issued to: the User ID (EUI-64) its subject's common name
    /// holds, as <see cref="DcckiDemoPki"/> issues them; null when it holds none.
    /// </summary>
    public static Protocol.Domain.Eui? UserOf(X509Certificate2 certificate) =>
        Protocol.Domain.Eui.TryParse(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), out var user) ? user : null;

    /// <summary>True when the client certificate chains to the configured DCCKI CA and allows client authentication.</summary>
    public bool IsDcckiClient(X509Certificate2? certificate) => certificate is not null && ChainsToDccki(certificate, ClientAuth);

    private bool ChainsToDccki(X509Certificate2 certificate, System.Security.Cryptography.Oid usage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        return chain.Build(certificate);
    }
}
