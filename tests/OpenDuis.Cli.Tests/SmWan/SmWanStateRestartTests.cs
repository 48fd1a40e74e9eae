using System.Net;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Endpoints;
using OpenDuis.Storage;
using OpenDuis.TestSupport;

namespace OpenDuis.Cli.Tests.SmWan;

/// <summary>
/// Issue 6: the emulated SM WAN's injected faults and its held Future Dated (DSP) requests are kept in
/// the data folder's database, so <c>openduis serve</c> killed and started again on the same folder
/// still has the fault (<c>openduis fault list</c>) and still releases the held request at its time,
/// its I0 Service Response reaching the User's endpoint. Real processes, HTTP, the ZAZ1 keys.
/// </summary>
public sealed class SmWanStateRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fault_and_a_held_Future_Dated_request_survive_killing_and_restarting_serve_on_the_same_data_folder()
    {
        await using var processes = new OpenduisProcesses("openduis-smwan-restart-");
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        // The ZAZ1 key store as DCC Boxed has it, so the tool signs the requests the server verifies.
        var folder = new DataFolder(processes.Data);
        var keys = Directory.CreateDirectory(Path.Combine(folder.Path, "zaz1")).FullName;
        File.Copy(Path.Combine(RepoPaths.Keystore, "zaz1-keystore.json"), Path.Combine(keys, "zaz1-keystore.json"));
        await using (var store = (await folder.InitialiseAsync(new DataFolderSettings { Keys = keys }, Ct)).Store)
        {
            var supplier = (await store.FindUserAsync(DemoEnvironment.Supplier, Ct))!;
            await store.SaveUserAsync(supplier with { ResponseEndpoint = new Uri(listener.Address, "/restart") }, Ct);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var faulty = DemoEnvironment.Hcalcs;

        var port = OpenduisProcesses.FreePort();
        var first = await processes.ServeAsync(port);
        var server = $"http://127.0.0.1:{port}/";
        var (code, output) = await processes.RunAsync("fault", "set", faulty.ToString(), "slow", "1500", "--server", server);
        Assert.True(code == 0, output);
        var executeAt = DateTimeOffset.UtcNow.AddSeconds(12);
        var request = SmWanServer.Request("ECS17b_4.1.1_SINGLE_SUCCESS", DemoEnvironment.Esme, executeAt);
        var id = SmWanServer.IdOf(request);
        Assert.Contains(">I99<", await PostAsync(port, ServedRequests.SignWithTool(request.OuterXml)));

        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync(Ct);
        Assert.False(listener.Received.TryPeek(out _), "nothing is delivered before the held request's time");

        port = OpenduisProcesses.FreePort();
        await processes.ServeAsync(port);
        server = $"http://127.0.0.1:{port}/";
        (code, output) = await processes.RunAsync("fault", "list", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains($"{faulty}  slow 1500", output);

        using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        within.CancelAfter(TimeSpan.FromSeconds(90));
        DuisResponse response;
        ReceivedMessage message;
        do
        {
            message = await listener.Received.ReadAsync(within.Token);
            var document = new XmlDocument { PreserveWhitespace = true };
            document.LoadXml(Encoding.UTF8.GetString(message.Body));
            response = DuisResponse.Read(document);
        }
        while (response.RequestId != id);
        Assert.Equal(ResponseCode.I0, response.ResponseCode);
        Assert.True(message.ReceivedAt >= executeAt, $"released at {message.ReceivedAt:O}, before its execution date-time {executeAt:O}");
        var validated = DccBoxedTool.Shared.Validate(Encoding.UTF8.GetString(message.Body));
        Assert.True(validated.Succeeded, validated.ToString());

        // Cleared through the CLI, it stays cleared across the next restart too.
        (code, output) = await processes.RunAsync("fault", "clear", faulty.ToString(), "--server", server);
        Assert.True(code == 0, output);
    }

    private static async Task<string> PostAsync(int port, string signed)
    {
        using var http = new HttpClient();
        using var content = new StringContent(signed, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var answer = await http.PostAsync($"http://127.0.0.1:{port}{WebService.SendCommand.Path()}", content, Ct);
        var body = await answer.Content.ReadAsStringAsync(Ct);
        Assert.True(answer.StatusCode == HttpStatusCode.OK, $"HTTP {(int)answer.StatusCode}: {body}");
        return body;
    }
}
