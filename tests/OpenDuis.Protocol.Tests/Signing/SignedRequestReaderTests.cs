using System.Text;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Signing;

/// <summary>
/// The one-pass request reader (<see cref="DuisSecurity.TryReadSignedRequest"/>) beside the document
/// path it stands in for (secure load, <see cref="DuisRequest.TryRead"/>, <see cref="DuisSignatureVerifier.Verify"/>):
/// over every RTDS request signed by OpenDUIS and by the DCC Boxed tool, tampered variants of each, and
/// hostile inputs, it gives the same request, the same verdict and the same canonical octets, or declines
/// (and the document path answers).
/// </summary>
public class SignedRequestReaderTests
{
    private const string Ds = DuisSignatureProfile.DsigNamespace;

    private enum Path { Read, Declined }

    /// <summary>Runs both paths; asserts that where the one-pass reader answers, it answers as the document path does.</summary>
    private static Path Both(byte[] bytes, KeyStore store, RemotePartyRole role, List<string> failures, string name)
    {
        var security = new DuisSecurity(store);
        bool read;
        DuisRequest? request;
        VerificationResult? verification;
        XmlRefusedException? refused = null;
        try
        {
            read = security.TryReadSignedRequest(bytes, _ => role, out request, out verification);
        }
        catch (XmlRefusedException e)
        {
            (read, request, verification, refused) = (false, null, null, e);
        }
        var canonical = read ? SignedRequestReader.ForThread.CanonicalOctets.ToArray() : null;
        var form = SignedRequestReader.ForThread.CanonicalForm;

        XmlDocument document;
        try
        {
            document = security.Load(bytes);
        }
        catch (XmlRefusedException e)
        {
            if (read) failures.Add($"{name}: the one-pass reader read what the document path refuses ({e.Refusal})");
            else if (refused is null) failures.Add($"{name}: the one-pass reader did not refuse what the document path refuses ({e.Refusal})");
            else if (refused.Refusal != e.Refusal || refused.Message != e.Message)
                failures.Add($"{name}: refused as {refused.Refusal} ({refused.Message}), the document path {e.Refusal} ({e.Message})");
            return Path.Declined;
        }
        if (refused is not null) failures.Add($"{name}: the one-pass reader refused what the document path loads ({refused.Message})");
        if (!DuisRequest.TryRead(document, out var expected, out var problem))
        {
            if (read) failures.Add($"{name}: the one-pass reader read what the document path finds malformed ({problem})");
            return read ? Path.Read : Path.Declined;
        }
        var expectedVerification = security.Verify(document, role);
        if (!read) return Path.Declined;

        if (verification!.Status != expectedVerification.Status || verification.Detail != expectedVerification.Detail
            || verification.Signer?.Subject != expectedVerification.Signer?.Subject)
            failures.Add($"{name}: one pass says {verification}, the document path {expectedVerification}");
        // What the pipeline reads of the body, read as fields before any element of it is built.
        BodyFieldsAgree(request!, expected, failures, name);
        if (!DuisSigner.Serialise(request!.ToXmlDocument()).AsSpan().SequenceEqual(DuisSigner.Serialise(expected.ToXmlDocument())))
            failures.Add($"{name}: the requests differ");
        if (request.Body.OuterXml != expected.Body.OuterXml) failures.Add($"{name}: the bodies differ");
        // A device request's body built as it is read (for the SM WAN, which keeps it after the bytes are reused).
        if (!security.TryReadSignedRequest(bytes, _ => role, bodyElementForDevices: true, out var kept, out var keptVerification))
            failures.Add($"{name}: declined when its device body is built as it is read");
        else
        {
            kept.ReleaseBytes();
            if (keptVerification.Status != expectedVerification.Status || keptVerification.Detail != expectedVerification.Detail)
                failures.Add($"{name}: with the body built as read, one pass says {keptVerification}, the document path {expectedVerification}");
            if (kept.Definition is { NonDevice: false })
            {
                if (kept.Body.OuterXml != expected.Body.OuterXml) failures.Add($"{name}: the body built as it is read differs");
                BodyFieldsAgree(kept, expected, failures, name + " (body built as read)");
            }
        }
        var signature = document.DocumentElement!.Elements("Signature", Ds).FirstOrDefault(s => s.ParentNode == document.DocumentElement);
        using var canonicalizer = new Canonicalizer();
        if (!canonicalizer.Canonicalise(document, form, signature).SequenceEqual(canonical))
            failures.Add($"{name}: the canonical octets differ");
        return Path.Read;
    }

    private static void BodyFieldsAgree(DuisRequest read, DuisRequest expected, List<string> failures, string name)
    {
        if (read.BodyElement != expected.BodyElement) failures.Add($"{name}: body element {read.BodyElement}, the document path {expected.BodyElement}");
        if (read.IsSignedPreCommand != expected.IsSignedPreCommand) failures.Add($"{name}: IsSignedPreCommand differs");
        if (read.BodyMatchesVariant != expected.BodyMatchesVariant) failures.Add($"{name}: BodyMatchesVariant differs");
        if (read.ExecutionDateTime != expected.ExecutionDateTime)
            failures.Add($"{name}: ExecutionDateTime {read.ExecutionDateTime}, the document path {expected.ExecutionDateTime}");
        if (read.GbcsPayloadText != expected.GbcsPayloadText) failures.Add($"{name}: GBCSPayload text differs");
    }

    [Fact]
    public void A_request_read_in_one_pass_builds_its_body_from_its_bytes_only_until_they_are_released()
    {
        var bytes = SecurityFixtures.SignTemplate("8.2_READ_INVENTORY_REQUEST_DUIS.XML", out var store, out var role);
        var security = new DuisSecurity(store);
        Assert.True(security.TryReadSignedRequest(bytes, _ => role, out var released, out _));
        released.ReleaseBytes();
        Assert.Equal("ReadInventory", released.BodyElement.LocalName);
        var e = Assert.Throws<InvalidOperationException>(() => released.Body);
        Assert.Contains("released", e.Message);

        Assert.True(security.TryReadSignedRequest(bytes, _ => role, out var built, out _));
        var body = built.Body;
        built.ReleaseBytes();
        Assert.Same(body, built.Body);
    }

    [Fact]
    public void A_request_kept_beyond_its_answer_builds_its_body_and_signature_from_the_copy_it_was_given()
    {
        // The SM WAN keeps a device request after the door reuses its bytes: the door hands it the copy recorded with its command.
        var bytes = SecurityFixtures.SignTemplate("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", out var store, out var role);
        var security = new DuisSecurity(store);
        var expected = DuisRequest.Read(security.Load(bytes));
        var pooled = bytes.ToArray();
        Assert.True(security.TryReadSignedRequest(pooled, _ => role, out var kept, out var verification));
        Assert.True(verification.IsValid, verification.ToString());
        kept.KeepBytes(pooled.ToArray());
        kept.ReleaseBytes();
        // The door's buffer is reused for the next request: nothing of the kept request reads it any more.
        Array.Clear(pooled);
        Assert.Equal(expected.Body.OuterXml, kept.Body.OuterXml);
        Assert.Equal(expected.Signature!.OuterXml, kept.Signature!.OuterXml);
        Assert.True(DuisSigner.Serialise(kept.ToXmlDocument()).AsSpan().SequenceEqual(DuisSigner.Serialise(expected.ToXmlDocument())));
    }

    [Fact]
    public void Signed_Pre_Commands_are_read_in_one_pass_as_the_document_path_reads_them()
    {
        // RTDS has no Signed Pre-Command (CV 5–7): made from each template's header, with and without an ExecutionDateTime.
        var failures = new List<string>();
        var read = 0;
        var payload = Convert.FromBase64String("3wkAAAAAAAAD6AiQs9UfMAAAAgiQs9UfMAAAAQAAUg==");
        foreach (var name in SecurityFixtures.TemplateNames().Take(40))
        {
            var template = DuisRequest.Read(SecurityFixtures.Load(SecurityFixtures.TemplateBytes(name)));
            foreach (var at in new DateTimeOffset?[] { null, new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)) })
            {
                var request = DuisRequest.CreateSignedPreCommand(template.SchemaVersion, template.RequestId, CommandVariant.SendSignedPreCommand,
                    template.ServiceReferenceVariant, new SignedPreCommand(payload, at));
                var originator = template.RequestId.Originator;
                var (key, store) = SecurityFixtures.KeyFor(originator);
                var bytes = DuisSigner.SignAndSerialise(request.ToXmlDocument(), key);
                if (Both(bytes, store, SecurityFixtures.RoleFor(originator), failures, $"{name} as a Signed Pre-Command{(at is null ? "" : " dated")}") == Path.Read) read++;
            }
        }
        Assert.Empty(failures);
        Assert.Equal(80, read);
    }

    [Fact]
    public void Every_RTDS_request_OpenDuis_signs_is_read_in_one_pass_as_the_document_path_reads_it()
    {
        var failures = new List<string>();
        var read = 0;
        var scanned = SignedRequestReader.ForThread.Scanned;
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var bytes = SecurityFixtures.SignTemplate(name, out var store, out var role);
            if (Both(bytes, store, role, failures, name) == Path.Read) read++;
        }
        Assert.Empty(failures);
        Assert.Equal(297, read);
        // All of them straight from their bytes, without an XmlReader (the device bodies built as read take the reader).
        Assert.Equal(297, SignedRequestReader.ForThread.Scanned - scanned);
    }

    [Fact]
    public void Every_RTDS_request_signed_with_an_exc_c14n_Reference_is_read_and_verified_in_one_pass()
    {
        var failures = new List<string>();
        var read = 0;
        var scanned = SignedRequestReader.ForThread.Scanned;
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var bytes = SignExclusive(SecurityFixtures.SignTemplate(name, out var store, out var role));
            if (Both(bytes, store, role, failures, name + " (exc-c14n)") != Path.Read) continue;
            read++;
            Assert.Equal(CanonicalForm.Exclusive, SignedRequestReader.ForThread.CanonicalForm);
            Assert.True(new DuisSecurity(store).TryReadSignedRequest(bytes, _ => role, out _, out var verification));
            if (!verification.IsValid) failures.Add($"{name} (exc-c14n): {verification}");
            // The framework's XML-DSig as an independent check that these are exc-c14n signatures (a sample: it is slow).
            if (read % 50 == 1 && !SecurityFixtures.SignedXmlVerifies(bytes, store)) failures.Add($"{name} (exc-c14n): SignedXml does not verify it");
        }
        Assert.Empty(failures);
        Assert.Equal(297, read);
        Assert.Equal(2 * 297, SignedRequestReader.ForThread.Scanned - scanned);
    }

    /// <summary>The signed request again with exc-c14n after the enveloped-signature transform, its digest and signature made anew.</summary>
    private static byte[] SignExclusive(byte[] signed)
    {
        var document = SecurityFixtures.Load(signed);
        var key = SecurityFixtures.KeyFor(SecurityFixtures.RequestIdOf(document).Originator).Key;
        var signature = document.DocumentElement!.Elements("Signature", Ds).Single();
        var transforms = signature.GetElementsByTagName("Transforms", Ds)[0]!;
        var exclusive = document.CreateElement("ds", "Transform", Ds);
        exclusive.SetAttribute("Algorithm", DuisSignatureProfile.ExclusiveC14N);
        transforms.AppendChild(exclusive);
        using var canonicalizer = new Canonicalizer();
        signature.GetElementsByTagName("DigestValue", Ds)[0]!.InnerText =
            Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(canonicalizer.Canonicalise(document, CanonicalForm.Exclusive, signature)));
        var signedInfo = (XmlElement)signature.GetElementsByTagName("SignedInfo", Ds)[0]!;
        signature.GetElementsByTagName("SignatureValue", Ds)[0]!.InnerText =
            Convert.ToBase64String(key.SignHash(System.Security.Cryptography.SHA256.HashData(canonicalizer.CanonicaliseExclusive(signedInfo))));
        return DuisSigner.Serialise(document);
    }

    [Fact]
    public void Every_RTDS_request_the_DCC_Boxed_tool_signs_is_read_in_one_pass_as_the_document_path_reads_it()
    {
        var tool = DccBoxedTool.Shared;
        var failures = new List<string>();
        var read = 0;
        var scanned = SignedRequestReader.ForThread.Scanned;
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var xml = File.ReadAllText(SecurityFixtures.TemplatePath(name));
            var originator = SecurityFixtures.RequestIdOf(SecurityFixtures.Load(xml)).Originator;
            var signed = tool.Sign(xml);
            if (!signed.Succeeded) continue;
            if (Both(Encoding.UTF8.GetBytes(signed.Output), SecurityFixtures.Zaz1, SecurityFixtures.RoleFor(originator), failures, name) == Path.Read) read++;
        }
        Assert.Empty(failures);
        // 296 the tool can sign (it has no key for the load controller), among them 2 with a supplier-role key (E65 on both paths).
        Assert.True(read >= 290, $"only {read} read in one pass");
        // Nearly all straight from their bytes (289 on 2026-12-07; the tool writes a carriage return in the signature value as &#13;,
        // which the scanner reads); the few it leaves are read by the XmlReader, with the same answers as above.
        Assert.True(SignedRequestReader.ForThread.Scanned - scanned >= 285, $"only {SignedRequestReader.ForThread.Scanned - scanned} read without an XmlReader");
    }

    public static TheoryData<string> Tampering => new(Tamperings.Keys);

    private static readonly Dictionary<string, Func<string, string?>> Tamperings = new()
    {
        ["a body digit changed"] = text => ChangeFirstDigitAfter(text, "<sr:Body>"),
        ["a header digit changed"] = text => ChangeFirstDigitAfter(text, "<sr:RequestID>"),
        ["the schema version changed"] = text => text.Replace("schemaVersion=\"", "schemaVersion=\"9"),
        ["the signature value altered"] = text => Regex(text, "<ds:SignatureValue>(.)", m => m.Groups[1].Value == "A" ? "B" : "A"),
        ["the digest value altered"] = text => Regex(text, "<ds:DigestValue>(.)", m => m.Groups[1].Value == "A" ? "B" : "A"),
        ["the serial number changed"] = text => Regex(text, "<ds:X509SerialNumber>([0-9])", m => m.Groups[1].Value == "1" ? "2" : "1"),
        ["a second signature in the body"] = text => InsertAfterBodyOpen(text, Between(text, "<ds:Signature", "</ds:Signature>")),
        ["the signature moved into the header"] = text => MoveSignatureInto(text, "</sr:Header>"),
        ["the signature moved into the body"] = text => MoveSignatureInto(text, "</sr:Body>"),
        ["the signature removed"] = text => Remove(text, Between(text, "<ds:Signature", "</ds:Signature>")),
        ["an empty signature"] = text => text.Replace(Between(text, "<ds:Signature", "</ds:Signature>")!, "<ds:Signature xmlns:ds=\"" + Ds + "\"/>"),
        ["a comment in a header value"] = text => text.Replace("<sr:CommandVariant>", "<sr:CommandVariant><!-- c -->"),
        ["a comment and PI before and after the document element"] = text => InsertAfterDeclaration(text, "<!-- before --><?pi before?>") + "<!-- after --><?pi after?>",
        ["a comment and a PI in the body"] = text => InsertAfterBodyOpen(text, "<!-- x --><?pi x?>"),
        ["whitespace between the top elements"] = text => text.Replace("<sr:Body>", "\n  <sr:Body>").Replace("<ds:Signature", "\n<ds:Signature"),
        ["the body text as CDATA"] = text => Regex(text, "<sr:Body>(.*?>)([^<]+)(<)", m => "<sr:Body>" + m.Groups[1].Value + "<![CDATA[" + m.Groups[2].Value + "]]>" + m.Groups[3].Value),
        ["a redundant namespace redeclaration on the body"] = text => text.Replace("<sr:Body>", "<sr:Body xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\">"),
        ["an attribute on the header"] = text => text.Replace("<sr:Header>", "<sr:Header b=\"2\" a=\"&lt;1&#9;\">"),
        ["text in the body beside the element"] = text => InsertAfterBodyOpen(text, "x"),
        ["two elements in the body"] = text => InsertAfterBodyOpen(text, "<sr:Extra/>"),
        ["an unknown header element"] = text => text.Replace("<sr:CommandVariant>", "<sr:Extra/><sr:CommandVariant>"),
        ["an unknown Service Reference Variant"] = text => Regex(text, "<sr:ServiceReferenceVariant>([^<]+)<", _ => "99.99"),
        ["an entity reference"] = text => text.Replace("<sr:Body>", "<sr:Body>&bogus;"),
        ["a DTD"] = text => InsertAfterDeclaration(text, "<!DOCTYPE r [<!ENTITY x \"y\">]>"),
        ["truncated"] = text => text[..(text.Length - 20)],
        ["an exc-c14n transform"] = text => text.Replace("#enveloped-signature\"></ds:Transform>", "#enveloped-signature\"></ds:Transform><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></ds:Transform>"),
        ["exc-c14n foreseen wrongly from a comment after the document element"] = text => text + "<!-- #enveloped-signature /xml-exc-c14n# Transforms> -->",
        ["a comment inside the SignatureValue"] = text => text.Replace("<ds:SignatureValue>", "<ds:SignatureValue><!-- c -->"),
        ["an element inside the SignatureValue"] = text => text.Replace("<ds:SignatureValue>", "<ds:SignatureValue><ds:x/>"),
        ["a PI inside SignedInfo"] = text => text.Replace("<ds:SignatureMethod", "<?pi x?><ds:SignatureMethod"),
        ["text inside SignedInfo"] = text => text.Replace("<ds:SignatureMethod", "x<ds:SignatureMethod"),
        ["an Id and a Type on the Reference"] = text => text.Replace("<ds:Reference ", "<ds:Reference Id=\"r\" Type=\"t\" "),
        ["a namespaced URI attribute on the Reference"] = text => text.Replace("<ds:Reference ", "<ds:Reference xmlns:x=\"urn:x\" x:URI=\"a\" "),
        ["an unexpected attribute on the Reference"] = text => text.Replace("<ds:Reference ", "<ds:Reference Target=\"a\" "),
        ["whitespace and comments between the signature's elements"] = text => text.Replace("<ds:KeyInfo>", "<ds:KeyInfo>\n <!-- k -->").Replace("</ds:SignedInfo>", "\n</ds:SignedInfo>"),
        ["spaces around the serial number"] = text => text.Replace("<ds:X509SerialNumber>", "<ds:X509SerialNumber> ").Replace("</ds:X509SerialNumber>", " </ds:X509SerialNumber>"),
        ["a parameter in the digest method"] = text => Regex(text, "(<ds:DigestMethod [^>]*>)", m => m.Groups[1].Value + "<x/>"),
        ["the exc-c14n transform before the enveloped one"] = text => text.Replace("<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\">", "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></ds:Transform><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\">"),
        ["a second Reference"] = text => Regex(text, "(<ds:Reference )", m => "<ds:Reference URI=\"#x\"><ds:Transforms/></ds:Reference>" + m.Groups[1].Value),
        ["a Reference URI to an element"] = text => text.Replace("URI=\"\"", "URI=\"#body\""),
        ["another root element"] = text => text.Replace("<sr:Request ", "<sr:Response ").Replace("</sr:Request>", "</sr:Response>"),
        ["a default namespace on the root"] = text => text.Replace("<sr:Request ", "<sr:Request xmlns=\"urn:x\" "),
        ["an ExecutionDateTime first in the body"] = text => Regex(text, "<sr:Body>(<[^>]*>)", m => m.Groups[1].Value + "<sr:ExecutionDateTime> 2030-01-02T03:04:05<!-- c -->Z </sr:ExecutionDateTime>"),
        ["an ExecutionDateTime that is not one"] = text => Regex(text, "<sr:Body>(<[^>]*>)", m => m.Groups[1].Value + "<sr:ExecutionDateTime>soon</sr:ExecutionDateTime>"),
        ["an ExecutionDateTime second in the body"] = text => Regex(text, "<sr:Body>(<[^>]*>)", m => m.Groups[1].Value + "<sr:X/><sr:ExecutionDateTime>2030-01-02T03:04:05Z</sr:ExecutionDateTime>"),
        ["two GBCSPayloads with markup in the first"] = text => Regex(text, "<sr:Body>(<[^>]*>)", m => m.Groups[1].Value + "<!-- c --><sr:GBCSPayload>3wk<x>AA</x><![CDATA[BB]]>\n</sr:GBCSPayload><sr:GBCSPayload>CC</sr:GBCSPayload>"),
        ["an empty body element"] = text => Regex(text, "<sr:Body>(<[^/>]*>.*?)</sr:Body>", m => "<sr:Empty/>"),
        ["an element in another namespace declared inside the body"] = text => InsertAfterBodyOpen(text, "<x:y xmlns:x=\"urn:x\" x:a=\"1\"/>"),
        // What the scanner straight from the bytes reads itself, or leaves to the reader.
        ["single quotes, '>' and a quote in values and text"] = text => InsertInBodyElement(text, "<x:y xmlns:x='urn:x' b='a\"b>' a=\"it's\">1 &gt; 0 > -1 &quot;q&quot; &apos;a&apos; &amp;&lt;</x:y>"),
        ["references in a header value"] = text => text.Replace("<sr:CommandVariant>", "<sr:CommandVariant>&#x20;"),
        ["character references in the body"] = text => InsertInBodyElement(text, "<y>&#13;&#10;&#9;&#x41;&#38;&#x3c;&#62;&#233;&#0;&#xZ;</y>"),
        ["printable character references in the body"] = text => InsertInBodyElement(text, "<y>&#13;&#10;&#9;&#x41;&#38;&#x3c;&#62;&#x3E;&#34;</y>"),
        ["a character reference in the signature value"] = text => text.Replace("</ds:SignatureValue>", "&#13;\n</ds:SignatureValue>"),
        ["a tab and a line break in an attribute value"] = text => InsertInBodyElement(text, "<y a=\"1\t2\n3\"/>"),
        ["a reference in an attribute value"] = text => InsertInBodyElement(text, "<y a=\"&lt;&amp;&#65;\"/>"),
        ["carriage returns"] = text => text.Replace("<sr:Body>", "\r\n<sr:Body>\r"),
        ["text beyond ASCII in the body"] = text => InsertInBodyElement(text, "<y a=\"é\">€</y>"),
        ["a byte order mark"] = text => "\uFEFF" + text,
        ["no XML declaration"] = text => text[(text.IndexOf("?>", StringComparison.Ordinal) + 2)..],
        ["an XML declaration with standalone and lower-case encoding"] = text => Regex(text, "^<\\?xml[^>]*\\?>", _ => "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>"),
        ["an XML declaration of another encoding"] = text => Regex(text, "^<\\?xml[^>]*\\?>", _ => "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"),
        ["an XML declaration of version 1.1"] = text => Regex(text, "^<\\?xml[^>]*\\?>", _ => "<?xml version=\"1.1\"?>"),
        ["an XML declaration that is not one"] = text => Regex(text, "^<\\?xml[^>]*\\?>", _ => "<?xml encoding=\"UTF-8\"?>"),
        ["a duplicate attribute"] = text => InsertInBodyElement(text, "<y a=\"1\" a=\"2\"/>"),
        ["one attribute through two prefixes"] = text => InsertInBodyElement(text, "<y xmlns:p=\"urn:p\" xmlns:q=\"urn:p\" p:a=\"1\" q:a=\"2\"/>"),
        ["a prefix declared twice on one element"] = text => InsertInBodyElement(text, "<y xmlns:p=\"urn:p\" xmlns:p=\"urn:q\"/>"),
        ["an undeclared prefix"] = text => InsertInBodyElement(text, "<p:y/>"),
        ["an undeclared attribute prefix"] = text => InsertInBodyElement(text, "<y p:a=\"1\"/>"),
        ["an empty prefixed declaration"] = text => InsertInBodyElement(text, "<y xmlns:p=\"\"/>"),
        ["the default namespace undeclared"] = text => InsertInBodyElement(text, "<y xmlns=\"urn:d\"><z xmlns=\"\"><w/></z></y>"),
        ["a mismatched end tag"] = text => InsertInBodyElement(text, "<y></z>"),
        ["an end tag with spaces"] = text => InsertInBodyElement(text, "<y a = \"1\"  ></y  >"),
        ["']]>' in text"] = text => InsertInBodyElement(text, "<y>a]]>b</y>"),
        ["a second document element"] = text => text + "<x/>",
        ["text after the document element"] = text => text + "x",
        ["whitespace after the document element"] = text => text + "\n \t\n",
        ["a name with a dot, a dash and a digit"] = text => InsertInBodyElement(text, "<y.z-1 a.b-2=\"1\"/>"),
        ["a name that starts with a digit"] = text => InsertInBodyElement(text, "<1y/>"),
        ["an attribute without a space before it"] = text => InsertInBodyElement(text, "<y a=\"1\"b=\"2\"/>"),
        ["an xml: attribute"] = text => InsertInBodyElement(text, "<y xml:lang=\"en\"/>"),
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public void A_tampered_request_gets_the_same_answer_on_both_paths(string how)
    {
        var failures = new List<string>();
        var changed = 0;
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var text = Encoding.UTF8.GetString(SecurityFixtures.SignTemplate(name, out var store, out var role));
            if (Tamperings[how](text) is not { } tampered || tampered == text) continue;
            changed++;
            Both(Encoding.UTF8.GetBytes(tampered), store, role, failures, $"{name} ({how})");
        }
        Assert.Empty(failures);
        Assert.True(changed > 0, "no template could be tampered so");
    }

    [Fact]
    public void A_request_with_thirty_thousand_namespace_declarations_is_declined_as_it_is_read()
    {
        var text = Encoding.UTF8.GetString(SecurityFixtures.SignTemplate("8.2_READ_INVENTORY_REQUEST_DUIS.XML", out var store, out var role));
        var declarations = string.Concat(Enumerable.Range(0, 30_000).Select(i => $" xmlns:n{i}=\"urn:n{i}\""));
        var hostile = Encoding.UTF8.GetBytes(text.Replace("<sr:Body>", "<sr:Body" + declarations + ">"));
        var failures = new List<string>();
        Assert.Equal(Path.Declined, Both(hostile, store, role, failures, "30,000 declarations"));
        Assert.Empty(failures);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void The_scanner_reads_at_most_thirty_two_namespace_bindings_in_scope_and_leaves_more_to_the_reader(int beyond, bool scanned)
    {
        // The root's bindings and these: a prefix is looked up among at most 32 bindings, so the scanner stays linear whatever
        // a request declares; beyond them the reader (whose lookups are linear however many there are) reads the request.
        var text = Encoding.UTF8.GetString(SecurityFixtures.SignTemplate("8.2_READ_INVENTORY_REQUEST_DUIS.XML", out var store, out var role));
        var onRoot = System.Text.RegularExpressions.Regex.Matches(text[..text.IndexOf("<sr:Header", StringComparison.Ordinal)], " xmlns[:=]").Count;
        var declared = string.Concat(Enumerable.Range(0, 32 - onRoot + beyond).Select(i => $" xmlns:n{i}=\"urn:n{i}\""));
        var bytes = Encoding.UTF8.GetBytes(InsertInBodyElement(text, $"<y{declared}><n0:z/></y>")!);
        var before = SignedRequestReader.ForThread.Scanned;
        Assert.True(new DuisSecurity(store).TryReadSignedRequest(bytes, _ => role, out _, out _));
        Assert.Equal(scanned, SignedRequestReader.ForThread.Scanned > before);
        var failures = new List<string>();
        Assert.Equal(Path.Read, Both(bytes, store, role, failures, $"{32 + beyond} bindings"));
        Assert.Empty(failures);
    }

    [Fact]
    public void Many_declarations_within_the_limits_are_canonicalised_as_the_document_path_does()
    {
        var text = Encoding.UTF8.GetString(SecurityFixtures.SignTemplate("8.2_READ_INVENTORY_REQUEST_DUIS.XML", out var store, out var role));
        var nested = string.Concat(Enumerable.Range(0, 40).Select(i => $"<n{i}:e xmlns:n{i}=\"urn:n{i % 3}\" xmlns=\"urn:d{i % 2}\" n{i}:a=\"{i}\">"))
            + string.Concat(Enumerable.Range(0, 40).Reverse().Select(i => $"</n{i}:e>"));
        var failures = new List<string>();
        // Inside the body's element, so the one-pass reader reads it (and the digest no longer matches, on both paths).
        var hostile = Regex(text, "<sr:Body>(<[^>]*>)", m => m.Groups[1].Value + nested)!;
        Assert.Equal(Path.Read, Both(Encoding.UTF8.GetBytes(hostile), store, role, failures, "nested declarations"));
        Assert.Empty(failures);
    }

    [Fact]
    public void Requests_full_of_new_names_renew_the_readers_name_table_and_are_still_read_as_the_document_path_reads_them()
    {
        // The thread's reader keeps its names from request to request; each of these brings 40 it has never seen,
        // so the table fills and is started afresh several times, and the answers stay the document path's.
        var text = Encoding.UTF8.GetString(SecurityFixtures.SignTemplate("8.2_READ_INVENTORY_REQUEST_DUIS.XML", out var store, out var role));
        var failures = new List<string>();
        for (var round = 0; round < 400; round++)
        {
            var names = string.Concat(Enumerable.Range(0, 40).Select(i => $"<r{round}e{i}/>"));
            var hostile = Regex(text, "<sr:Body>(<[^>]*>)", m => m.Groups[1].Value + names)!;
            Assert.Equal(Path.Read, Both(Encoding.UTF8.GetBytes(hostile), store, role, failures, $"round {round}"));
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(Path.Read, Both(bytes, store, role, failures, "the request itself"));
        Assert.Empty(failures);
        Assert.True(new DuisSecurity(store).TryReadSignedRequest(bytes, _ => role, out _, out var verification));
        Assert.True(verification.IsValid, verification.ToString());
    }

    [Fact]
    public void Names_values_and_text_longer_than_the_readers_pieces_are_read_as_the_document_path_reads_them()
    {
        // The one pass reads the request in 512-byte pieces: tokens spanning many of them, and multi-byte characters across their edges.
        var text = Encoding.UTF8.GetString(SecurityFixtures.SignTemplate("8.2_READ_INVENTORY_REQUEST_DUIS.XML", out var store, out var role));
        var name = "e" + new string('n', 3000);
        var value = string.Concat(Enumerable.Repeat("£€𝄞 &amp; ", 600));
        var failures = new List<string>();
        var hostile = Regex(text, "<sr:Body>(<[^>]*>)", m => m.Groups[1].Value + $"<{name} a=\"{value}\">{value}</{name}>")!;
        Assert.Equal(Path.Read, Both(Encoding.UTF8.GetBytes(hostile), store, role, failures, "long tokens"));
        Assert.Equal(Path.Read, Both(Encoding.UTF8.GetBytes(text), store, role, failures, "the request itself"));
        Assert.Empty(failures);
    }

    [Fact]
    public void The_readers_name_table_counts_only_names_it_has_not_seen()
    {
        var names = new BoundedNameTable(capacity: 2);
        foreach (var name in new[] { "a", "b", "a", "b", "a" }) names.Add(name);
        Assert.False(names.IsFull);
        Assert.Same(names.Add("a"), names.Add("a".ToCharArray(), 0, 1));
        names.Add("c");
        Assert.True(names.IsFull);
    }

    [Fact]
    public void A_request_signed_with_OpenDuis_then_reindented_is_a_digest_mismatch_on_both_paths()
    {
        var bytes = SecurityFixtures.SignTemplate("8.2_READ_INVENTORY_REQUEST_DUIS.XML", out var store, out var role);
        var document = SecurityFixtures.Load(bytes);
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
        using var output = new MemoryStream();
        using (var writer = XmlWriter.Create(output, settings)) document.Save(writer);
        var failures = new List<string>();
        Assert.Equal(Path.Read, Both(output.ToArray(), store, role, failures, "re-indented"));
        Assert.Empty(failures);
        Assert.True(new DuisSecurity(store).TryReadSignedRequest(output.ToArray(), _ => role, out _, out var verification));
        Assert.Equal(SignatureStatus.DigestMismatch, verification.Status);
    }

    private static string? ChangeFirstDigitAfter(string text, string marker)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        var digit = System.Text.RegularExpressions.Regex.Match(text[at..], ">[^<0-9]*[0-9]").Index + at;
        digit = text.IndexOfAny("0123456789".ToCharArray(), digit);
        return digit < 0 ? null : text[..digit] + (text[digit] == '1' ? '2' : '1') + text[(digit + 1)..];
    }

    private static string? Regex(string text, string pattern, Func<System.Text.RegularExpressions.Match, string> replacement)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, pattern, System.Text.RegularExpressions.RegexOptions.Singleline);
        if (!m.Success) return null;
        var first = m.Groups.Count > 1 ? m.Groups[1] : (System.Text.RegularExpressions.Group)m;
        // Replace the whole match when the replacement rebuilds it from several groups; the first group otherwise.
        return m.Groups.Count > 2
            ? text[..m.Index] + replacement(m) + text[(m.Index + m.Length)..]
            : text[..first.Index] + replacement(m) + text[(first.Index + first.Length)..];
    }

    private static string? Between(string text, string start, string end)
    {
        var a = text.IndexOf(start, StringComparison.Ordinal);
        var b = text.IndexOf(end, StringComparison.Ordinal);
        return a < 0 || b < a ? null : text[a..(b + end.Length)];
    }

    private static string? Remove(string text, string? part) => part is null ? null : text.Replace(part, "");

    private static string? InsertAfterBodyOpen(string text, string? what) =>
        what is null ? null : text.Replace("<sr:Body>", "<sr:Body>" + what);

    private static string? InsertInBodyElement(string text, string what) => Regex(text, "<sr:Body>(<[^>]*>)", m => m.Groups[1].Value + what);

    private static string? MoveSignatureInto(string text, string beforeTag)
    {
        var signature = Between(text, "<ds:Signature", "</ds:Signature>");
        return signature is null ? null : text.Replace(signature, "").Replace(beforeTag, signature + beforeTag);
    }

    private static string InsertAfterDeclaration(string text, string what)
    {
        var end = text.StartsWith("<?xml", StringComparison.Ordinal) ? text.IndexOf("?>", StringComparison.Ordinal) + 2 : 0;
        return text[..end] + what + text[end..];
    }
}
