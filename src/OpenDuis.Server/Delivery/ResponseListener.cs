using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpenDuis.Server.Delivery;

/// <summary>The DCCKI material of a User's https response endpoint: its own certificate (with key) and the CA it trusts.</summary>
public sealed record EndpointTls(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate,
    System.Security.Cryptography.X509Certificates.X509Certificate2 DcckiCa)
{
    public static EndpointTls Load(Tls.DcckiFiles files, Protocol.Domain.Eui user) => new(
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(files.ClientCertificate(user), files.ClientKey(user)),
        System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(files.CaCertificate));
}

/// <summary>One message POSTed to a User's response endpoint.</summary>
public sealed record ReceivedMessage(string Path, string? ContentType, byte[] Body, DateTimeOffset ReceivedAt);

/// <summary>
/// A User's response endpoint (the receiving side of R-WS-2, what <c>openduis listen</c> runs): accepts
/// POSTs on any path and hands each body to <c>onMessage</c>, whose answer is the HTTP status returned
/// (2xx accepts the message, anything else asks the DCC to send it again).
/// </summary>
public sealed class ResponseListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedMessage> _received = Channel.CreateUnbounded<ReceivedMessage>();

    public Uri Address { get; }

    /// <summary>Every message accepted with a 2xx, in arrival order.</summary>
    public ChannelReader<ReceivedMessage> Received => _received.Reader;

    private ResponseListener(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <param name="tls">
    /// Serve https on the duis profile (R-WS-3): the User's DCCKI certificate, and the DCC's DCCKI client
    /// certificate required of whoever delivers (chained to the DCCKI CA given).
    /// </param>
    public static async Task<ResponseListener> StartAsync(
        IPAddress address, int port, Func<ReceivedMessage, ValueTask<int>>? onMessage = null,
        long maxBodyBytes = 4 * 1024 * 1024, CancellationToken cancellationToken = default, EndpointTls? tls = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = maxBodyBytes;
            k.Listen(address, port, listen =>
            {
                if (tls is not null) Tls.DuisTlsProfile.ApplyToEndpoint(listen, tls.Certificate, tls.DcckiCa);
            });
        });
        if (tls is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        var app = builder.Build();
        ResponseListener? self = null;
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            var message = new ReceivedMessage(context.Request.Path, context.Request.ContentType, await ReadBodyAsync(context.Request, maxBodyBytes), DateTimeOffset.UtcNow);
            var status = onMessage is null ? StatusCodes.Status200OK : await onMessage(message);
            if (status is >= 200 and < 300) self!._received.Writer.TryWrite(message);
            return Results.StatusCode(status);
        });
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new ResponseListener(app, new Uri(bound));
        return self;
    }

    /// <summary>
    /// The body in one array of its declared length (what the DCC sends: Content-Length), read straight into it;
    /// a chunked body is gathered in a stream. A MemoryStream grown from nothing and copied out cost about
    /// three times the body in allocations for every delivered message. A declared length over the limit is
    /// not allocated: the stream refuses it (413) as it reads.
    /// </summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, long maxBodyBytes)
    {
        if (request.ContentLength is { } length && length <= maxBodyBytes)
        {
            var body = new byte[length];
            await request.Body.ReadExactlyAsync(body, request.HttpContext.RequestAborted);
            return body;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _received.Writer.TryComplete();
    }
}
