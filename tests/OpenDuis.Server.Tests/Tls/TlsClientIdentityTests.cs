using System.Net;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.Tls;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Tls;

/// <summary>A full OpenDUIS on the duis profile, with DCCKI client certificates for the demo supplier and network operator.</summary>
public sealed class DuisProfileOpenDuis : IAsyncLifetime
{
    public OpenDuisInstance Instance { get; private set; } = null!;
    public DcckiFiles Dccki { get; private set; } = null!;
    private readonly string _dccki = Directory.CreateTempSubdirectory("openduis-dccki-users-").FullName;

    public async ValueTask InitializeAsync()
    {
        Dccki = DcckiDemoPki.Generate(_dccki, [DemoEnvironment.Supplier, DemoEnvironment.NetworkOperator], TimeProvider.System);
        Instance = await OpenDuisInstance.StartAsync(options: new ServerOptions
        {
            Profile = ConnectionProfile.Duis, Port = 0, Dccki = Dccki, MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Instance.DisposeAsync();
        Directory.Delete(_dccki, true);
    }
}

/// <summary>
/// The duis profile binds a TLS connection to the User its DCCKI client certificate names: a request
/// signed by that User is answered as usual; one signed by another User is refused with E100, the
/// failed-authentication code of DUIS 3.5.10 Table 1, in a signed answer the DCC Boxed tool validates.
/// Real TLS over loopback, real signatures.
/// </summary>
public sealed class TlsClientIdentityTests(DuisProfileOpenDuis fixture) : IClassFixture<DuisProfileOpenDuis>
{
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 800_000_000;

    [Fact]
    public async Task A_request_signed_by_the_user_the_connection_is_authenticated_as_is_acknowledged()
    {
        Assert.Equal(ResponseCode.I99, await SendAsync(connectedAs: DemoEnvironment.Supplier, signedBy: DemoEnvironment.Supplier));
    }

    [Fact]
    public async Task A_request_signed_by_another_user_than_the_connection_is_refused_with_E100()
    {
        // A valid signature by the supplier, over the network operator's DCCKI connection.
        Assert.Equal(ResponseCode.E100, await SendAsync(connectedAs: DemoEnvironment.NetworkOperator, signedBy: DemoEnvironment.Supplier));
    }

    [Fact]
    public async Task The_refusal_leaves_no_trace_so_the_same_request_is_answered_on_its_users_connection()
    {
        var signed = Signed411(DemoEnvironment.Supplier);
        Assert.Equal(ResponseCode.E100, await PostAsync(DemoEnvironment.NetworkOperator, signed));
        Assert.Equal(ResponseCode.I99, await PostAsync(DemoEnvironment.Supplier, signed));
    }

    private async Task<ResponseCode> SendAsync(Eui connectedAs, Eui signedBy) => await PostAsync(connectedAs, Signed411(signedBy));

    private static string Signed411(Eui originator)
    {
        var file = RepoPaths.TemplateFiles().First(f => Path.GetFileName(f).StartsWith("ECS17b_4.1.1_SINGLE_SUCCESS", StringComparison.Ordinal));
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        doc.LoadXml(File.ReadAllText(file));
        var t = DuisRequest.Read(doc);
        var request = new DuisRequest(t.SchemaVersion, new RequestId(originator, DemoEnvironment.Esme, (ulong)Interlocked.Increment(ref _counter)),
            t.CommandVariant, t.ServiceReference, t.ServiceReferenceVariant, t.Body);
        return ServedRequests.SignWithTool(request.ToXmlDocument().OuterXml);
    }

    private async Task<ResponseCode> PostAsync(Eui connectedAs, string signed)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient(DuisTlsProfile.CreateClientHandler(fixture.Dccki, connectedAs));
        using var content = new StringContent(signed, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var response = await http.PostAsync(fixture.Instance.Server.ServiceUri(WebService.SendCommand), content, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {body}");
        var validated = DccBoxedTool.Shared.Validate(body);
        Assert.True(validated.Succeeded, $"{validated}\n{body}");
        var answer = new XmlDocument { PreserveWhitespace = true };
        answer.LoadXml(body);
        return DuisResponse.Read(answer).ResponseCode;
    }
}
