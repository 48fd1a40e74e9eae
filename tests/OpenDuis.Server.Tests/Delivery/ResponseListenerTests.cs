using System.Net;
using System.Net.Http.Headers;
using OpenDuis.Server.Delivery;

namespace OpenDuis.Server.Tests.Delivery;

/// <summary>
/// The receiving endpoint (<c>openduis listen</c>) reads a delivered body of declared length straight into one
/// array, gathers a chunked one, and refuses one over its limit (413) without allocating what it declares.
/// </summary>
public sealed class ResponseListenerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bodies_of_declared_length_and_chunked_bodies_are_received_intact()
    {
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        using var http = new HttpClient();
        var body = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();

        using var declared = new ByteArrayContent(body);
        declared.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        using (var response = await http.PostAsync(new Uri(listener.Address, "/duis/responses"), declared, Ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var first = await listener.Received.ReadAsync(Ct);
        Assert.Equal(body, first.Body);
        Assert.Equal("/duis/responses", first.Path);

        // A stream of unknown length goes out chunked (no Content-Length).
        using var chunked = new StreamContent(new NonSeekable(body));
        using (var response = await http.PostAsync(new Uri(listener.Address, "/duis/responses"), chunked, Ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, (await listener.Received.ReadAsync(Ct)).Body);
    }

    [Fact]
    public async Task A_body_declared_over_the_limit_is_refused_with_413()
    {
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, maxBodyBytes: 1024, cancellationToken: Ct);
        using var http = new HttpClient();
        using var content = new ByteArrayContent(new byte[4096]);
        using var response = await http.PostAsync(new Uri(listener.Address, "/duis/responses"), content, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.False(listener.Received.TryRead(out _));
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
