using System.Net;
using OpenDuis.TestSupport;

namespace OpenDuis.OperatorConsole.Tests;

/// <summary>Who the console answers: loopback callers naming a loopback host, its own pages' forms, and, with a token, the operator.</summary>
public sealed class ConsoleAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_host_name_other_than_loopback_is_refused_with_the_reason()
    {
        await using var server = await ConsoleInstance.StartAsync(ConsoleStore.Sqlite);
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Console);
        request.Headers.Host = "console.example";
        using var response = await server.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("addressed to 'console.example'", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_posted_from_another_site_is_refused()
    {
        await using var server = await ConsoleInstance.StartAsync(ConsoleStore.Sqlite);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Console, "misbehave/fault"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["device"] = "00-DB-12-34-56-78-90-A0", ["mode"] = "unreachable" }),
        };
        request.Headers.Add("Origin", "http://attacker.example");
        using var response = await server.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("comes from a page of 'http://attacker.example'", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(server.Server.Services.GetService(typeof(Network.Execution.DeviceFaults)) is Network.Execution.DeviceFaults f ? f.All : []);
    }

    /// <summary>A page of another local server (a loopback origin, so the admin rule lets it by) still cannot change anything through the console.</summary>
    [Fact]
    public async Task A_form_posted_from_another_local_origin_is_refused()
    {
        await using var server = await ConsoleInstance.StartAsync(ConsoleStore.Sqlite);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Console, "misbehave/fault"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["device"] = "00-DB-12-34-56-78-90-A0", ["mode"] = "unreachable" }),
        };
        request.Headers.Add("Origin", "http://127.0.0.1:1");
        using var response = await server.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("from its own pages", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(server.Server.Services.GetService(typeof(Network.Execution.DeviceFaults)) is Network.Execution.DeviceFaults f ? f.All : []);
    }

    [Fact]
    public async Task With_an_operator_token_every_page_asks_for_it_and_the_token_admits()
    {
        await using var server = await ConsoleInstance.StartAsync(ConsoleStore.Sqlite, token: "s3cret-token");
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using (var anonymous = await noRedirect.GetAsync(new Uri(server.Console, "inventory"), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.StartsWith("/ui/sign-in", anonymous.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        using (var wrong = await noRedirect.PostAsync(new Uri(server.Console, "sign-in"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "guess", ["then"] = "/ui/inventory" }), Ct))
            Assert.Contains("not the operator token", await wrong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using (var signedIn = await noRedirect.PostAsync(new Uri(server.Console, "sign-in"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "s3cret-token", ["then"] = "/ui/inventory" }), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ConsoleAccess.CookieName + "=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        }
        using var bearer = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Console, "inventory"));
        bearer.Headers.Authorization = new("Bearer", "s3cret-token");
        using var admitted = await noRedirect.SendAsync(bearer, Ct);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
    }

    [Fact]
    public void The_operator_token_file_is_readable_by_its_owner_only()
    {
        var folder = Directory.CreateTempSubdirectory("openduis-token-").FullName;
        try
        {
            var token = ConsoleAccess.EnsureToken(folder);
            Assert.Equal(token, ConsoleAccess.EnsureToken(folder));
            Assert.True(token.Length >= 32);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConsoleAccess.TokenPath(folder)));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public async Task On_the_duis_profile_the_console_is_on_its_own_loopback_port_with_the_token_and_sends_through_the_TLS_door()
    {
        await using var server = await ConsoleInstance.StartAsync(ConsoleStore.Sqlite, token: "duis-operator", profile: Server.Hosting.ConnectionProfile.Duis);
        Assert.Equal("https", server.Server.BaseAddress.Scheme);
        Assert.Equal("http", server.Console.Scheme);
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using (var anonymous = await noRedirect.GetAsync(server.Console, Ct))
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        // The operator port serves the operator's pages only: the DUIS services stay behind the duis profile.
        using (var duis = await noRedirect.PostAsync(new Uri(server.Console, "/api/v1/serviceS"), new StringContent("<x/>", System.Text.Encoding.UTF8, "application/xml"), Ct))
            Assert.Equal(HttpStatusCode.NotFound, duis.StatusCode);

        using var send = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Console, "send"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["user"] = Core.Demo.DemoEnvironment.Supplier.ToString(), ["template"] = "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML",
            }),
        };
        send.Headers.Authorization = new("Bearer", "duis-operator");
        using var sent = await noRedirect.SendAsync(send, Ct);
        var page = await sent.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains("<strong class=\"answer-code\">I99</strong>", page, StringComparison.Ordinal);
    }
}
