using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using OpenDuis.Gbcs;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.TestSupport;

/// <summary>
/// Requests as a User sends them to a running OpenDUIS: RTDS templates with fresh Request IDs, signed
/// for their originator (by the DCC Boxed tool where it holds the key), Signed Pre-Commands, and the
/// post of a signed request to a server's port.
/// </summary>
public static class ServedRequests
{
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private static long _preCommandCounter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 500_000_000;

    /// <summary>The template with a Request ID counter of its own, so tests never collide (E55).</summary>
    public static string Template(string namePrefix)
    {
        var file = RepoPaths.TemplateFiles().First(f => Path.GetFileName(f).StartsWith(namePrefix, StringComparison.Ordinal));
        return WithFreshCounter(File.ReadAllText(file));
    }

    public static string WithFreshCounter(string xml)
    {
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(xml);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        var id = doc.SelectSingleNode("/sr:Request/sr:Header/sr:RequestID", ns)!;
        var parsed = RequestId.Parse(id.InnerText);
        id.InnerText = (parsed with { Counter = (ulong)Interlocked.Increment(ref _counter) }).ToString();
        return doc.OuterXml;
    }

    /// <summary>
    /// Signs as the originator: with the DCC Boxed tool (ZAZ1 keys), or for a User the tool has no
    /// xmlSign key for, with the demo key the test key store holds.
    /// </summary>
    public static string SignWithTool(string xml)
    {
        var originator = RequestId.Parse(Regex.Match(xml, "<sr:RequestID>([^<]+)</sr:RequestID>").Groups[1].Value).Originator;
        if (OpenDuisInstance.UsersWithoutZaz1XmlSignKey.Contains(originator))
        {
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(xml);
            return Encoding.UTF8.GetString(DuisSigner.SignAndSerialise(doc, OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(originator)!));
        }
        var signed = DccBoxedTool.Shared.Sign(xml);
        Assert.True(signed.Succeeded, signed.ToString());
        return signed.Output;
    }

    /// <summary>Signs with the tool using a named key of the ZAZ1 set (its PKCS#8 DER key given to the tool as PEM).</summary>
    public static ToolResult SignWithToolUsing(string xml, string keyName)
    {
        var keys = RepoPaths.Keystore;
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportPkcs8PrivateKey(File.ReadAllBytes(Path.Combine(keys, keyName + ".key")), out _);
        var pem = Path.Combine(Path.GetTempPath(), $"openduis-{keyName}-{Environment.ProcessId}.key.pem");
        File.WriteAllText(pem, key.ExportPkcs8PrivateKeyPem());
        try { return DccBoxedTool.Shared.Sign(xml, true, Path.Combine(keys, keyName + ".pem"), pem); }
        finally { File.Delete(pem); }
    }

    /// <summary>The User's Signed Pre-Command request (CV 5) for a Pre-Command the DCC returned, signed with its GBCS and XML keys.</summary>
    /// <param name="tamper">Changes the Signed Pre-Command's GBCS after it is signed (as a man in the middle would).</param>
    public static string SignedPreCommandRequest(DuisRequest transform, DuisResponse preCommandAnswer, System.Security.Cryptography.ECDsa? signer = null,
        Func<byte[], byte[]>? tamper = null)
    {
        var preCommand = Convert.FromBase64String(preCommandAnswer.Message!.Payload!.LastChild!.InnerText);
        var pem = File.ReadAllText(RepoPaths.ReferencePath("rtds-gbcs", "keystore", $"{transform.RequestId.Originator.ToCompactString().ToLowerInvariant()}-ds.key"));
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(pem);
        var signed = OpenDuis.Gbcs.Security.GbcsSecurity.Sign(GbcsMessage.Read(preCommand), signer ?? key);
        var request = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion,
            transform.RequestId with { Counter = (ulong)Interlocked.Increment(ref _preCommandCounter) }, CommandVariant.SendSignedPreCommand,
            transform.ServiceReferenceVariant, new SignedPreCommand(tamper is null ? signed.WriteSigned() : tamper(signed.WriteSigned())));
        return SignWithTool(request.ToXmlDocument().OuterXml);
    }

    public static DuisRequest Read411(Eui originator, Eui device, ulong counter)
    {
        var file = RepoPaths.TemplateFiles().First(f => Path.GetFileName(f).StartsWith("ECS17b_4.1.1_SINGLE_SUCCESS", StringComparison.Ordinal));
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        doc.LoadXml(File.ReadAllText(file));
        var t = DuisRequest.Read(doc);
        return new DuisRequest(t.SchemaVersion, new RequestId(originator, device, counter), t.CommandVariant, t.ServiceReference, t.ServiceReferenceVariant, t.Body);
    }

    public static async Task<ResponseCode> PostAsync(HttpClient http, int port, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var response = await http.PostAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{WebService.SendCommand.Path()}", content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {text}");
        var answer = new XmlDocument { PreserveWhitespace = true };
        answer.LoadXml(text);
        return DuisResponse.Read(answer).ResponseCode;
    }
}
