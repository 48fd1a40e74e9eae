using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace OpenDuis.Core.Triage;

/// <summary>What a TLS handshake with a declared Triage System Interface endpoint showed.</summary>
public sealed record TlsProbeResult(
    string Endpoint,
    bool ClientCertificateRequested,
    SslProtocols? NegotiatedProtocol,
    string? ServerCertificateSubject,
    string? HandshakeError);

/// <summary>
/// Connects to a live TLS endpoint, offers no client certificate and observes whether the server asks
/// for one — the visible half of G12's "if using TLS then must include client authentication". The
/// server's own certificate is recorded, not judged: the probe checks the link's shape, not its trust.
/// </summary>
public static class TlsClientAuthProbe
{
    public static async Task<TlsProbeResult> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var endpoint = $"{host}:{port}";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var requested = false;
        string? serverSubject = null;
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(host, port, deadline.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new TlsProbeResult(endpoint, false, null, null, $"could not connect: {e.Message}");
        }

        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                serverSubject = certificate?.Subject;
                return true;
            },
            // Called when the server's CertificateRequest arrives (with the server's certificate in hand).
            LocalCertificateSelectionCallback = (_, _, _, remoteCertificate, _) =>
            {
                if (remoteCertificate is not null) requested = true;
                return null!;
            },
        };
        try
        {
            await tls.AuthenticateAsClientAsync(options, deadline.Token);
            // A TLS 1.3 server that rejects a missing client certificate says so only after the handshake.
            return new TlsProbeResult(endpoint, requested, tls.SslProtocol, serverSubject, null);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new TlsProbeResult(endpoint, requested, null, serverSubject, e.Message);
        }
    }

    /// <summary>G12: refused unless the endpoint asked for a client certificate.</summary>
    public static Ruling<TlsProbeResult> Judge(TlsProbeResult result)
    {
        if (result.ClientCertificateRequested)
            return Ruling<TlsProbeResult>.Allow(result);
        return result.HandshakeError is { } error && result.ServerCertificateSubject is null
            ? Ruling<TlsProbeResult>.Refuse(TriageLinkRules.Clause, $"no TLS handshake with {result.Endpoint} ({error}), so client authentication cannot be confirmed")
            : Ruling<TlsProbeResult>.Refuse(TriageLinkRules.Clause, $"{result.Endpoint} completed a TLS handshake without asking for a client certificate; a Triage System Interface using TLS must include client authentication");
    }
}
