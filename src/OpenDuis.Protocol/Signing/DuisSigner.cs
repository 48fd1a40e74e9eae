using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using OpenDuis.Protocol.Keys;
using static OpenDuis.Protocol.Signing.DuisSignatureProfile;

namespace OpenDuis.Protocol.Signing;

/// <summary>
/// Signs a DUIS message as DCC Boxed does (R-MSG-3): any existing ds:Signature of the document
/// element is dropped, then an enveloped signature is appended as its last child — Reference
/// URI="" with the enveloped-signature transform, SHA-256 digest, exclusive C14N of SignedInfo,
/// ECDSA-SHA256, KeyInfo/X509Data/X509IssuerSerial naming the signer's certificate.
/// Thread-safe.
/// </summary>
public static class DuisSigner
{
    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(false),
        Indent = false,
        // Carriage returns and attribute line breaks must survive a round trip, or the digest breaks.
        NewLineHandling = NewLineHandling.Entitize,
        CloseOutput = false,
    };

    /// <summary>Signs <paramref name="document"/> in place.</summary>
    public static void Sign(XmlDocument document, SigningKey key)
    {
        var root = document.DocumentElement ?? throw new ArgumentException("The document has no root element.", nameof(document));
        RemoveSignatures(root);
        RemoveWhitespaceBetweenElements(root);

        var canonicalizer = DuisSignatureVerifier.ThreadCanonicalizer;
        Span<byte> hash = stackalloc byte[DigestLength];
        SHA256.HashData(canonicalizer.Canonicalise(document, CanonicalForm.Inclusive, null), hash);

        var declared = root.GetNamespaceOfPrefix(Prefix) == DsigNamespace;
        var signature = Element(document, "Signature");
        if (!declared) signature.SetAttribute("xmlns:" + Prefix, DsigNamespace);
        var signedInfo = Append(signature, "SignedInfo");
        Append(signedInfo, "CanonicalizationMethod").SetAttribute("Algorithm", ExclusiveC14N);
        Append(signedInfo, "SignatureMethod").SetAttribute("Algorithm", EcdsaSha256);
        var reference = Append(signedInfo, "Reference");
        reference.SetAttribute("URI", "");
        Append(Append(reference, "Transforms"), "Transform").SetAttribute("Algorithm", EnvelopedSignature);
        Append(reference, "DigestMethod").SetAttribute("Algorithm", Sha256);
        Append(reference, "DigestValue").InnerText = Convert.ToBase64String(hash);
        var signatureValue = Append(signature, "SignatureValue");
        var issuerSerial = Append(Append(Append(signature, "KeyInfo"), "X509Data"), "X509IssuerSerial");
        Append(issuerSerial, "X509IssuerName").InnerText = key.Certificate.IssuerName;
        Append(issuerSerial, "X509SerialNumber").InnerText = key.Certificate.SerialNumber.ToString(CultureInfo.InvariantCulture);
        root.AppendChild(signature);

        SHA256.HashData(canonicalizer.CanonicaliseExclusive(signedInfo), hash);
        signatureValue.InnerText = Convert.ToBase64String(key.SignHash(hash));
    }

    /// <summary>Signs <paramref name="document"/> in place and returns it as UTF-8 bytes.</summary>
    public static byte[] SignAndSerialise(XmlDocument document, SigningKey key)
    {
        Sign(document, key);
        return Serialise(document);
    }

    /// <summary>
    /// UTF-8 without a byte order mark, no indentation added, carriage returns written as
    /// character references: re-reading the bytes gives back the canonical form that was signed.
    /// </summary>
    public static byte[] Serialise(XmlDocument document)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var stream = new BufferWriterStream(buffer))
        using (var writer = XmlWriter.Create(stream, WriterSettings))
            document.Save(writer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void RemoveSignatures(XmlElement root)
    {
        for (var child = root.FirstChild; child is not null;)
        {
            var next = child.NextSibling;
            if (child is XmlElement { LocalName: "Signature", NamespaceURI: DsigNamespace }) root.RemoveChild(child);
            child = next;
        }
    }

    /// <summary>
    /// DUIS content is element-only or simple, never mixed, so whitespace between elements is
    /// layout. DCC Boxed reads element-only content without it when it verifies, so a signature
    /// over indented XML fails there: like DCC Boxed, sign (and send) the message without it.
    /// Whitespace that is an element's whole text content is data and stays.
    /// </summary>
    public static void RemoveWhitespaceBetweenElements(XmlElement element)
    {
        var hasElementChild = false;
        for (var c = element.FirstChild; c is not null; c = c.NextSibling)
            if (c.NodeType == XmlNodeType.Element) { hasElementChild = true; break; }
        if (!hasElementChild) return;
        for (var child = element.FirstChild; child is not null;)
        {
            var next = child.NextSibling;
            switch (child.NodeType)
            {
                case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    element.RemoveChild(child);
                    break;
                case XmlNodeType.Element:
                    RemoveWhitespaceBetweenElements((XmlElement)child);
                    break;
            }
            child = next;
        }
    }

    private static XmlElement Element(XmlDocument document, string localName) =>
        document.CreateElement(Prefix, localName, DsigNamespace);

    private static XmlElement Append(XmlElement parent, string localName) =>
        (XmlElement)parent.AppendChild(Element(parent.OwnerDocument, localName))!;

    private sealed class BufferWriterStream(IBufferWriter<byte> writer) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => writer.Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => writer.Write(buffer);
    }
}
