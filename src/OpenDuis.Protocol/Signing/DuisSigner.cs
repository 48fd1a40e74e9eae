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

    /// <summary>
    /// The signed message as UTF-8, as <see cref="SignAndSerialise"/> writes it, from one canonicalisation
    /// of the document and no signature nodes: the ds:Signature that <see cref="Sign"/> would append has a
    /// fixed shape, so its SignedInfo's exclusive canonical octets (what is signed) and its serialised
    /// form are written straight from that template around the digest and the signature value, and
    /// spliced in before the document element's end tag. The document is left unsigned (only the
    /// layout whitespace <see cref="Sign"/> removes is removed).
    /// </summary>
    public static byte[] SignToBytes(XmlDocument document, SigningKey key)
    {
        var root = document.DocumentElement ?? throw new ArgumentException("The document has no root element.", nameof(document));
        RemoveSignatures(root);
        RemoveWhitespaceBetweenElements(root);
        var canonical = DuisSignatureVerifier.ThreadCanonicalizer.Canonicalise(document, CanonicalForm.Inclusive, null);
        var endTag = Encoding.UTF8.GetBytes("</" + root.Name + ">");
        // Something after the document element (a PI) would follow the signature: the DOM path handles that.
        if (!canonical.EndsWith(endTag)) return SignAndSerialise(document, key);
        return SignCanonical(canonical, endTag, root.GetNamespaceOfPrefix(Prefix) == DsigNamespace, key);
    }

    /// <summary>
    /// The signed message from the inclusive canonical octets of an unsigned one whose document element
    /// ends them with <paramref name="endTag"/>: what <see cref="SignToBytes"/> writes once it has them.
    /// </summary>
    internal static byte[] SignCanonical(ReadOnlySpan<byte> canonical, ReadOnlySpan<byte> endTag, bool declared, SigningKey key) =>
        SignCanonical(canonical, endTag, declared, key, pooled: false, out _);

    /// <summary>
    /// As <see cref="SignCanonical(ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool, SigningKey)"/>; when <paramref name="pooled"/>,
    /// into a buffer rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/> whose first <paramref name="length"/> bytes
    /// are the message (the caller returns it).
    /// </summary>
    internal static byte[] SignCanonical(ReadOnlySpan<byte> canonical, ReadOnlySpan<byte> endTag, bool declared, SigningKey key, bool pooled, out int length)
    {
        // Base64 is ASCII, so its chars are written as bytes; nothing here is built as a string.
        Span<byte> hash = stackalloc byte[DigestLength];
        SHA256.HashData(canonical, hash);
        Span<byte> digest = stackalloc byte[44];
        System.Buffers.Text.Base64.EncodeToUtf8(hash, digest, out _, out var digestLength);
        digest = digest[..digestLength];

        Span<byte> signedInfo = stackalloc byte[SignedInfoApex.Length + digest.Length + SignedInfoClose.Length];
        SignedInfoApex.CopyTo(signedInfo);
        digest.CopyTo(signedInfo[SignedInfoApex.Length..]);
        SignedInfoClose.CopyTo(signedInfo[(SignedInfoApex.Length + digest.Length)..]);
        SHA256.HashData(signedInfo, hash);
        Span<byte> signatureValue = stackalloc byte[88];
        System.Buffers.Text.Base64.EncodeToUtf8(key.SignHash(hash), signatureValue, out _, out var valueLength);
        signatureValue = signatureValue[..valueLength];

        var open = declared ? SignatureOpen : SignatureOpenDeclaring;
        var keyInfo = KeyInfoOf(key);
        var body = canonical[..^endTag.Length];
        length = XmlDeclaration.Length + body.Length + open.Length + SignedInfoInScope.Length + digest.Length + SignedInfoClose.Length
            + SignatureValueOpen.Length + signatureValue.Length + keyInfo.Length + endTag.Length;
        var bytes = pooled ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : new byte[length];
        var at = 0;
        void Put(ReadOnlySpan<byte> part)
        {
            part.CopyTo(bytes.AsSpan(at));
            at += part.Length;
        }
        Put(XmlDeclaration);
        Put(body);
        Put(open);
        Put(SignedInfoInScope);
        Put(digest);
        Put(SignedInfoClose);
        Put(SignatureValueOpen);
        Put(signatureValue);
        Put(keyInfo);
        Put(endTag);
        return bytes;
    }

    // The ds:Signature that Sign builds, around its DigestValue and SignatureValue: SignedInfo's exclusive
    // canonical form (the apex declares ds), and the signature as the document's inclusive form writes it.
    private const string SignedInfoContent =
        "><ds:CanonicalizationMethod Algorithm=\"" + ExclusiveC14N + "\"></ds:CanonicalizationMethod>"
        + "<ds:SignatureMethod Algorithm=\"" + EcdsaSha256 + "\"></ds:SignatureMethod>"
        + "<ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"" + EnvelopedSignature + "\"></ds:Transform></ds:Transforms>"
        + "<ds:DigestMethod Algorithm=\"" + Sha256 + "\"></ds:DigestMethod><ds:DigestValue>";
    private static readonly byte[] SignedInfoApex = Encoding.UTF8.GetBytes("<ds:SignedInfo xmlns:ds=\"" + DsigNamespace + "\"" + SignedInfoContent);
    private static readonly byte[] SignedInfoInScope = Encoding.UTF8.GetBytes("<ds:SignedInfo" + SignedInfoContent);
    private static ReadOnlySpan<byte> SignedInfoClose => "</ds:DigestValue></ds:Reference></ds:SignedInfo>"u8;
    private static readonly byte[] SignatureOpenDeclaring = Encoding.UTF8.GetBytes("<ds:Signature xmlns:ds=\"" + DsigNamespace + "\">");
    private static ReadOnlySpan<byte> SignatureOpen => "<ds:Signature>"u8;
    private static ReadOnlySpan<byte> SignatureValueOpen => "<ds:SignatureValue>"u8;

    // KeyInfo, then the signature's end: the same for every message a key signs.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SigningKey, byte[]> KeyInfos = new();

    private static byte[] KeyInfoOf(SigningKey key) =>
        KeyInfos.GetValue(key, static k => Encoding.UTF8.GetBytes("</ds:SignatureValue>" + KeyInfo(k) + "</ds:Signature>"));

    private static string KeyInfo(SigningKey key) => string.Concat(
        "<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>", EscapeText(key.Certificate.IssuerName),
        "</ds:X509IssuerName><ds:X509SerialNumber>", key.Certificate.SerialNumber.ToString(CultureInfo.InvariantCulture),
        "</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo>");

    // C14N 1.0 text escaping (5.3: &, <, > and CR).
    private static string EscapeText(string text) =>
        text.AsSpan().IndexOfAny("&<>\r") < 0 ? text
            : text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
                .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\r", "&#xD;", StringComparison.Ordinal);

    /// <summary>Signs <paramref name="document"/> in place and returns it as UTF-8 bytes.</summary>
    public static byte[] SignAndSerialise(XmlDocument document, SigningKey key)
    {
        Sign(document, key);
        return Serialise(document);
    }

    /// <summary>
    /// The document as UTF-8: an XML declaration, then its inclusive canonical form (C14N 1.0). That is
    /// well-formed XML which parses back to the very octets a signature's digest covers, and the
    /// thread's canonicaliser writes it straight into its pooled buffer, where an XmlWriter allocated
    /// its own buffers for every message.
    /// </summary>
    public static byte[] Serialise(XmlDocument document)
    {
        var canonical = DuisSignatureVerifier.ThreadCanonicalizer.Canonicalise(document, CanonicalForm.Inclusive, null);
        var bytes = new byte[XmlDeclaration.Length + canonical.Length];
        XmlDeclaration.CopyTo(bytes);
        canonical.CopyTo(bytes.AsSpan(XmlDeclaration.Length));
        return bytes;
    }

    private static ReadOnlySpan<byte> XmlDeclaration => "<?xml version=\"1.0\" encoding=\"utf-8\"?>"u8;

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
}
