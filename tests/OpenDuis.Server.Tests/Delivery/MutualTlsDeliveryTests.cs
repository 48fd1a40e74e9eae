using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Tests.Tls;
using OpenDuis.Server.Tls;

namespace OpenDuis.Server.Tests.Delivery;

/// <summary>
/// Delivery to a User's https endpoint on the duis profile (R-WS-2 over R-WS-3): the DCC presents its
/// DCCKI client certificate and accepts only an endpoint whose certificate chains to the DCCKI CA.
/// Real TLS listeners on loopback, the real outbox and delivery worker.
/// </summary>
public sealed class MutualTlsDeliveryTests(DuisProfileOpenDuis fixture) : IClassFixture<DuisProfileOpenDuis>
{
    private static readonly Eui User = DemoEnvironment.Supplier;
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 900_000_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_response_reaches_the_users_DCCKI_endpoint_over_mutual_TLS()
    {
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct,
            tls: EndpointTls.Load(fixture.Dccki, User));
        Assert.Equal("https", listener.Address.Scheme);
        await RegisterEndpointAsync(new Uri(listener.Address, "/duis/responses"));

        var entry = Response();
        await fixture.Instance.Outbox.EnqueueAsync([entry], Ct);

        using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        within.CancelAfter(TimeSpan.FromSeconds(30));
        // Responses left undelivered by another test of this class may arrive too.
        while (ResponseIdOf((await listener.Received.ReadAsync(within.Token)).Body) != entry.ResponseId) { }
    }

    [Fact]
    public async Task An_endpoint_whose_certificate_is_not_from_the_DCCKI_gets_nothing_and_the_response_stays_in_the_outbox()
    {
        var foreign = Directory.CreateTempSubdirectory("openduis-foreign-dccki-").FullName;
        try
        {
            var stranger = DcckiDemoPki.Generate(foreign, [User], TimeProvider.System);
            // The impostor trusts the real DCCKI CA (so the DCC's client certificate is fine), but serves a foreign certificate.
            var tls = new EndpointTls(EndpointTls.Load(stranger, User).Certificate, EndpointTls.Load(fixture.Dccki, User).DcckiCa);
            await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct, tls: tls);
            await RegisterEndpointAsync(new Uri(listener.Address, "/duis/responses"));

            var entry = Response();
            await fixture.Instance.Outbox.EnqueueAsync([entry], Ct);
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);

            Assert.False(listener.Received.TryRead(out _));
            Assert.True(await fixture.Instance.Outbox.CountUndeliveredAsync(Ct) >= 1);
        }
        finally { Directory.Delete(foreign, true); }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_users_endpoint_refuses_a_client_without_a_DCCKI_certificate()
    {
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct,
            tls: EndpointTls.Load(fixture.Dccki, User));
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12,
                CipherSuitesPolicy = new CipherSuitesPolicy([DuisTlsProfile.OnlySuite]),
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        });

        await Assert.ThrowsAnyAsync<HttpRequestException>(() =>
            http.PostAsync(listener.Address, new StringContent("<x/>", Encoding.UTF8, "application/xml"), Ct));
        Assert.False(listener.Received.TryRead(out _));
    }

    private async Task RegisterEndpointAsync(Uri endpoint)
    {
        var user = (await fixture.Instance.Store.FindUserAsync(User, Ct))!;
        await fixture.Instance.Store.SaveUserAsync(user with { ResponseEndpoint = endpoint }, Ct);
    }

    private static OutboxEntry Response()
    {
        var key = OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(DemoKeySet.DspEui)!;
        var counter = (ulong)Interlocked.Increment(ref _counter);
        var request = new RequestId(User, DemoEnvironment.Esme, counter);
        var responseId = new RequestId(DemoKeySet.DspEui, User, counter);
        var response = DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, request, responseId, ResponseCode.I0,
            DateTimeOffset.UtcNow, ServiceReference.Parse("4.1"), ServiceReferenceVariant.Parse("4.1.1"), null);
        return OutboxEntry.ForRequest(request, responseId.ToString(), OutboxKind.ServiceResponse, DuisSigner.SignAndSerialise(response.ToXmlDocument(), key));
    }

    private static string ResponseIdOf(byte[] body)
    {
        var doc = new XmlDocument();
        doc.LoadXml(Encoding.UTF8.GetString(body));
        return DuisResponse.Read(doc).ResponseId!.Value.ToString();
    }
}
