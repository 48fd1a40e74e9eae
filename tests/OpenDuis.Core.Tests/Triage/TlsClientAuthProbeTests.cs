using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Core.Triage;

namespace OpenDuis.Core.Tests.Triage;

/// <summary>Real TLS over loopback: a TcpListener + SslStream server that does or does not ask for a client certificate.</summary>
public class TlsClientAuthProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task G12_a_server_asking_for_a_client_certificate_passes(SslProtocols protocol)
    {
        await using var server = TriageFacility.Start(requestClientCertificate: true, rejectWithoutOne: false, protocol);
        var result = await TlsClientAuthProbe.ProbeAsync("localhost", server.Port, Timeout, Ct);
        Assert.True(result.ClientCertificateRequested, result.HandshakeError);
        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.Equal("CN=triage.example", result.ServerCertificateSubject);
        Assert.True(TlsClientAuthProbe.Judge(result).IsAllowed);
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task G12_a_server_requiring_a_client_certificate_passes_though_it_rejects_the_probe(SslProtocols protocol)
    {
        await using var server = TriageFacility.Start(requestClientCertificate: true, rejectWithoutOne: true, protocol);
        var result = await TlsClientAuthProbe.ProbeAsync("localhost", server.Port, Timeout, Ct);
        Assert.True(result.ClientCertificateRequested);
        Assert.True(TlsClientAuthProbe.Judge(result).IsAllowed);
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task G12_a_server_not_asking_for_a_client_certificate_is_refused(SslProtocols protocol)
    {
        await using var server = TriageFacility.Start(requestClientCertificate: false, rejectWithoutOne: false, protocol);
        var result = await TlsClientAuthProbe.ProbeAsync("localhost", server.Port, Timeout, Ct);
        Assert.False(result.ClientCertificateRequested);
        Assert.Null(result.HandshakeError);
        var ruling = TlsClientAuthProbe.Judge(result);
        Assert.Equal(TriageLinkRules.Clause, ruling.Refusal!.Clause);
        Assert.Contains("without asking for a client certificate", ruling.Refusal.Reason);
    }

    [Fact]
    public async Task G12_nothing_listening_is_refused_with_the_connection_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var result = await TlsClientAuthProbe.ProbeAsync("127.0.0.1", port, Timeout, Ct);
        Assert.StartsWith("could not connect", result.HandshakeError);
        Assert.Contains("cannot be confirmed", TlsClientAuthProbe.Judge(result).Refusal!.Reason);
    }

    [Fact]
    public async Task G12_a_plain_TCP_server_is_refused()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(Ct);
            await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray(), Ct);
        }, Ct);
        var result = await TlsClientAuthProbe.ProbeAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, Timeout, Ct);
        listener.Stop();
        await serving;
        Assert.False(result.ClientCertificateRequested);
        Assert.NotNull(result.HandshakeError);
        Assert.False(TlsClientAuthProbe.Judge(result).IsAllowed);
    }

    private sealed class TriageFacility : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;

        private TriageFacility(bool requestClientCertificate, bool rejectWithoutOne, SslProtocols protocol)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=triage.example", key, HashAlgorithmName.SHA256);
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
            var options = new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = requestClientCertificate,
                EnabledSslProtocols = protocol,
                RemoteCertificateValidationCallback = (_, client, _, _) => client is not null || !rejectWithoutOne,
            };
            _serving = ServeAsync(options);
        }

        public int Port { get; }

        public static TriageFacility Start(bool requestClientCertificate, bool rejectWithoutOne, SslProtocols protocol) =>
            new(requestClientCertificate, rejectWithoutOne, protocol);

        private async Task ServeAsync(SslServerAuthenticationOptions options)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (OperationCanceledException) { return; }
                using (client)
                await using (var tls = new SslStream(client.GetStream()))
                {
                    try
                    {
                        await tls.AuthenticateAsServerAsync(options, _stop.Token);
                        await tls.WriteAsync("ok"u8.ToArray(), _stop.Token);
                    }
                    catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException) { }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving;
            _stop.Dispose();
        }
    }
}
