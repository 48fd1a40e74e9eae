using System.Net;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Endpoints;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests;

/// <summary>Requests of the demo Supplier built from a body and sent over HTTP, for the classes that drive the inventory.</summary>
internal static class SupplierRequests
{
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 700_000_000;

    /// <summary>A Request ID counter no other request of these classes has used.</summary>
    public static ulong NextCounter() => (ulong)Interlocked.Increment(ref _counter);

    /// <summary>A Non-Device request (CV 8) from the demo supplier to the Access Control Broker with the given body.</summary>
    public static DuisRequest NonDevice(string variant, string element, string content)
    {
        var doc = new XmlDocument();
        doc.LoadXml($"<sr:{element} xmlns:sr=\"{DuisNamespaces.ServiceUserGateway}\">{content}</sr:{element}>");
        var v = ServiceReferenceVariant.Parse(variant);
        return new DuisRequest(DuisSchemaVersion.V5_4, new RequestId(DemoEnvironment.Supplier, DemoEnvironment.AccessControlBroker, NextCounter()),
            CommandVariant.NonDevice, v.Reference, v, doc.DocumentElement!);
    }

    /// <summary>Signs as the originator, posts on the request's service; the answer must be HTTP 200 and validate with the DCC Boxed tool.</summary>
    public static async Task<ResponseCode> SendValidatedAsync(this OpenDuisInstance instance, DuisRequest request, CancellationToken cancellationToken)
    {
        var signed = ServedRequests.SignWithTool(request.ToXmlDocument().OuterXml);
        using var content = new StringContent(signed, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var response = await instance.Http.PostAsync(instance.Server.ServiceUri(request.CommandVariant.WebService()), content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {body}");
        var validated = DccBoxedTool.Shared.Validate(body);
        Assert.True(validated.Succeeded, $"{validated}\n{body}");
        var answer = new XmlDocument { PreserveWhitespace = true };
        answer.LoadXml(body);
        return DuisResponse.Read(answer).ResponseCode;
    }
}
