using System.Net;
using System.Text;
using OpenDuis.Core.Demo;
using OpenDuis.Server.SmWan;

namespace OpenDuis.Server.Tests.SmWan;

/// <summary>
/// The admin APIs answer only the operator on the machine (LocalOperatorOnly): a request from
/// loopback but addressed to a foreign name, as a web page reaching 127.0.0.1 by DNS rebinding makes
/// the browser send it, is refused with 403 and the reason, and changes nothing.
/// </summary>
[Collection(nameof(SmWanServer))]
public sealed class LocalOperatorOnlyTests(SmWanServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? host = null, string? origin = null, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(server.Server.BaseAddress, path));
        if (host is not null) request.Headers.Host = host;
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await server.Http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("localhost")]
    [InlineData("[::1]:8079")]
    public async Task The_operator_on_the_machine_is_answered(string? host)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, DeviceFaultEndpoints.FaultsPath, host);
        Assert.True(status == HttpStatusCode.OK, body);
        var (fromLocalPage, _) = await SendAsync(HttpMethod.Get, DeviceEventEndpoints.EventsPath, origin: "http://localhost:3000");
        Assert.Equal(HttpStatusCode.OK, fromLocalPage);
    }

    [Fact]
    public async Task A_foreign_Host_is_refused_with_403_and_the_fault_is_not_set()
    {
        var port = server.Server.BaseAddress.Port;
        var device = DemoEnvironment.Esme;
        var (status, body) = await SendAsync(HttpMethod.Post, $"/admin/devices/{device}/fault", host: $"rebind.attacker.example:{port}",
            json: """{"mode": "unreachable"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("addressed to 'rebind.attacker.example", body);
        Assert.Contains("DNS rebinding", body);
        var (_, faults) = await SendAsync(HttpMethod.Get, DeviceFaultEndpoints.FaultsPath);
        Assert.DoesNotContain(device.ToString(), faults);

        // Each admin API: faults, device events, the CPL; a name that merely starts like a loopback address too.
        foreach (var (method, path) in new[] { (HttpMethod.Get, DeviceFaultEndpoints.FaultsPath), (HttpMethod.Get, DeviceEventEndpoints.EventsPath),
                     (HttpMethod.Post, $"/admin/devices/{device}/events"), (HttpMethod.Post, CplEndpoints.RemovePath), (HttpMethod.Delete, $"/admin/devices/{device}/fault") })
        {
            var (refused, reason) = await SendAsync(method, path, host: "127.0.0.1.nip.io", json: "{}");
            Assert.True(refused == HttpStatusCode.Forbidden, $"{method} {path}: {refused} {reason}");
            Assert.Contains("admin API answers only requests addressed to a loopback host", reason);
        }
    }

    [Theory]
    [InlineData("http://rebind.attacker.example")]
    [InlineData("null")]
    public async Task A_page_of_a_foreign_Origin_is_refused_with_403(string origin)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, CplEndpoints.RemovePath, origin: origin,
            json: """{"manufacturer": "0DB1", "model": "ESME", "firmwareVersion": "1.0"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains($"comes from a page of '{origin}'", body);
    }
}
