using System.Net;
using System.Text;
using System.Xml;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Hosting;
using OpenDuis.Storage;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Requests;

/// <summary>
/// The request log lives in the data folder's database: a device request still in process when the
/// server stops is still in process after it starts again, so its Request ID is answered E55 (DUIS
/// 3.5.10 Table 1) on both sides of the restart. Real HTTP, the ZAZ1 keys, answers validated by DCC Boxed.
/// </summary>
public sealed class RequestLogRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_request_in_process_before_a_restart_is_still_answered_E55_after_it()
    {
        var folder = new DataFolder(Directory.CreateTempSubdirectory("openduis-restart-").FullName);
        try
        {
            // The ZAZ1 key store as DCC Boxed has it, so the tool signs the requests and trusts the DSP's answers.
            var keys = Directory.CreateDirectory(Path.Combine(folder.Path, "zaz1")).FullName;
            File.Copy(Path.Combine(RepoPaths.Keystore, "zaz1-keystore.json"), Path.Combine(keys, "zaz1-keystore.json"));
            await (await folder.InitialiseAsync(new DataFolderSettings { Keys = keys }, Ct)).Store.DisposeAsync();
            var signed = Signed411();

            await using (var host = await DataFolderHost.OpenAsync(folder, TimeProvider.System, Ct))
            await using (var server = await StartAsync(host))
            {
                Assert.Equal(ResponseCode.I99, await PostAsync(server, signed));
                Assert.Equal(ResponseCode.E55, await PostAsync(server, signed));
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            await using (var host = await DataFolderHost.OpenAsync(folder, TimeProvider.System, Ct))
            await using (var server = await StartAsync(host))
            {
                Assert.Equal(ResponseCode.E55, await PostAsync(server, signed));
                Assert.Equal(ResponseCode.I99, await PostAsync(server, Signed411()));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder.Path, true); } catch (IOException) { }
        }
    }

    private static Task<DuisServer> StartAsync(DataFolderHost host) =>
        DuisServer.StartAsync(new ServerOptions { Port = 0, MinimumLogLevel = LogLevel.Warning }, services => services.AddOpenDuis(host), Ct);

    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 950_000_000;

    private static string Signed411()
    {
        var file = RepoPaths.TemplateFiles().First(f => Path.GetFileName(f).StartsWith("ECS17b_4.1.1_SINGLE_SUCCESS", StringComparison.Ordinal));
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        doc.LoadXml(File.ReadAllText(file));
        var t = DuisRequest.Read(doc);
        var request = new DuisRequest(t.SchemaVersion, new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, (ulong)Interlocked.Increment(ref _counter)),
            t.CommandVariant, t.ServiceReference, t.ServiceReferenceVariant, t.Body);
        return ServedRequests.SignWithTool(request.ToXmlDocument().OuterXml);
    }

    /// <summary>Posts a signed request to serviceS; its synchronous answer's code, the answer validated by the DCC Boxed tool.</summary>
    internal static async Task<ResponseCode> PostAsync(DuisServer server, string signed)
    {
        using var http = new HttpClient();
        using var content = new StringContent(signed, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var response = await http.PostAsync(server.ServiceUri(WebService.SendCommand), content, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {body}");
        var validated = DccBoxedTool.Shared.Validate(body);
        Assert.True(validated.Succeeded, $"{validated}\n{body}");
        var answer = new XmlDocument { PreserveWhitespace = true };
        answer.LoadXml(body);
        return DuisResponse.Read(answer).ResponseCode;
    }
}
