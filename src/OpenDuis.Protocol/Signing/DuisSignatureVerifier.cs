using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Xml;
using OpenDuis.Protocol.Keys;
using static OpenDuis.Protocol.Signing.DuisSignatureProfile;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Protocol.Signing;

/// <summary>
/// Verifies the signature of a DUIS message against the DUIS profile and nothing wider
/// (R-MSG-3), so that signature wrapping and algorithm substitution fail: exactly one
/// ds:Signature, a direct child of the document element; exactly one Reference, URI="";
/// transforms exactly [enveloped] or [enveloped, exc-c14n]; exc-c14n for SignedInfo;
/// ECDSA-SHA256; SHA-256 digest; the signer found by X509IssuerSerial. Thread-safe.
/// </summary>
public static class DuisSignatureVerifier
{
    [ThreadStatic] private static Canonicalizer? _canonicalizer;

    internal static Canonicalizer ThreadCanonicalizer => _canonicalizer ??= new Canonicalizer();

    /// <summary>
    /// Verifies <paramref name="document"/>. <paramref name="requiredRole"/> is the Remote Party Role
    /// the signer's certificate must carry: xmlSign (0x87) for a User's message, DSP xmlSign (0x89)
    /// for the DCC's.
    /// </summary>
    public static VerificationResult Verify(XmlDocument document, ICertificateLookup certificates, RemotePartyRole requiredRole)
    {
        var root = document.DocumentElement;
        if (root is null) return VerificationResult.Fail(SignatureStatus.Malformed, "The document has no root element.");

        XmlElement? signature = null;
        var count = 0;
        foreach (XmlNode node in document.Elements("Signature", DsigNamespace))
        {
            // An S1SP Alert carried in a DCC Alert (DUIS 3.9.15, XSD sr:S1SPAlert) holds the S1SP's own
            // signature: part of the content the DSP signed, not a second signature of the message.
            if (node.ParentNode is XmlElement { LocalName: "S1SPAlert", NamespaceURI: Messages.DuisNamespaces.ServiceUserGateway }
                && node.ParentNode.ParentNode is XmlElement { LocalName: "S1SPAlertDSP" })
                continue;
            // Likewise the S1SP's signature of a SMETS1 Device's response (R-S1-1, XSD sr:SMETS1SignedResponse).
            if (node.ParentNode is XmlElement { LocalName: "SMETS1SignedResponse", NamespaceURI: Messages.DuisNamespaces.ServiceUserGateway }
                && !ReferenceEquals(node.ParentNode, root))
                continue;
            count++;
            signature ??= (XmlElement)node;
        }
        if (count == 0) return VerificationResult.Fail(SignatureStatus.NotSigned, "The message carries no ds:Signature.");
        if (count > 1)
            return VerificationResult.Fail(SignatureStatus.MultipleSignatures,
                $"The message carries {count} ds:Signature elements; DUIS allows exactly one.");
        if (!ReferenceEquals(signature!.ParentNode, root))
            return VerificationResult.Fail(SignatureStatus.SignatureMisplaced,
                $"The ds:Signature is inside '{signature.ParentNode?.Name}', not a direct child of the document element.");

        var shape = ReadShape(signature);
        return shape.Failure ?? Check(shape, document, signature, default, certificates, requiredRole);
    }

    /// <summary>
    /// Verifies the enveloped <paramref name="signature"/> of a document read in one pass
    /// (<see cref="SignedRequestReader"/>), whose canonical form without the signature in <paramref name="form"/> is
    /// <paramref name="octets"/>: the same checks in the same order as <see cref="Verify"/>.
    /// Null when the Reference asks for the other form, which that pass did not write.
    /// </summary>
    internal static VerificationResult? VerifyRead(XmlElement signature, CanonicalForm form, ReadOnlySpan<byte> octets, ICertificateLookup certificates, RemotePartyRole requiredRole)
    {
        var shape = ReadShape(signature);
        if (shape.Failure is { } failure) return failure;
        if (shape.ReferenceForm != form) return null;
        return Check(shape, null, signature, octets, certificates, requiredRole);
    }

    /// <summary>
    /// Verifies a signature read as a stream (<see cref="SignedRequestReader"/>: the usual profile's shape only, its
    /// SignedInfo's exclusive canonical form <paramref name="signedInfoOctets"/>) over the document's canonical
    /// <paramref name="octets"/> in the Reference's form: the checks after the shape's, in <see cref="Verify"/>'s order.
    /// </summary>
    internal static VerificationResult VerifyStreamed(in Shape shape, ReadOnlySpan<byte> signedInfoOctets, ReadOnlySpan<byte> octets,
        ICertificateLookup certificates, RemotePartyRole requiredRole) =>
        Check(shape, null, null, octets, certificates, requiredRole, signedInfoOctets);

    private static VerificationResult Check(in Shape shape, XmlDocument? document, XmlElement? signature, ReadOnlySpan<byte> octets,
        ICertificateLookup certificates, RemotePartyRole requiredRole, ReadOnlySpan<byte> signedInfoOctets = default)
    {
        var signer = certificates.Find(shape.IssuerName!, shape.Serial);
        if (signer is null)
            return VerificationResult.Fail(SignatureStatus.UnknownCertificate,
                $"No known certificate has issuer '{shape.IssuerName}' and serial number {shape.Serial}.");

        var canonicalizer = ThreadCanonicalizer;
        Span<byte> hash = stackalloc byte[DigestLength];
        SHA256.HashData(document is null ? octets : canonicalizer.Canonicalise(document, shape.ReferenceForm, signature), hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, shape.Digest))
            return VerificationResult.Fail(SignatureStatus.DigestMismatch,
                "The message does not match the signed digest: it was altered after signing.", signer);

        SHA256.HashData(shape.SignedInfo is { } signedInfo ? canonicalizer.CanonicaliseExclusive(signedInfo) : signedInfoOctets, hash);
        if (!signer.VerifyHash(hash, shape.SignatureValue))
            return VerificationResult.Fail(SignatureStatus.SignatureMismatch,
                $"The signature value does not verify with the key of {signer}.", signer);

        if (signer.Role != requiredRole || signer.Usage != CertificateKeyUsage.DigitalSignature)
            return VerificationResult.Fail(SignatureStatus.NotXmlSignCertificate,
                $"Signed with a certificate of role {signer.Role} ({signer.Usage}); role {requiredRole} digitalSignature is required.", signer);

        return new VerificationResult(SignatureStatus.Valid, "", signer);
    }

    /// <summary>What the signature's profile checks read of it; the one-pass reader fills it from the stream (without SignedInfo's element).</summary>
    internal struct Shape
    {
        public VerificationResult? Failure;
        public XmlElement? SignedInfo;
        public CanonicalForm ReferenceForm;
        public byte[] Digest;
        public byte[] SignatureValue;
        public string? IssuerName;
        public BigInteger Serial;
    }

    private static Shape Fail(SignatureStatus status, string detail) =>
        new() { Failure = VerificationResult.Fail(status, detail) };

    private static Shape ReadShape(XmlElement signature)
    {
        var children = new XmlElement?[4];
        if (!Children(signature, children, out var n, out var bad) || n != 3)
            return Fail(SignatureStatus.Malformed, bad ?? "ds:Signature must hold exactly SignedInfo, SignatureValue and KeyInfo.");
        if (!Is(children[0], "SignedInfo") || !Is(children[1], "SignatureValue") || !Is(children[2], "KeyInfo"))
            return Fail(SignatureStatus.Malformed, "ds:Signature must hold exactly SignedInfo, SignatureValue and KeyInfo, in that order.");
        var signedInfo = children[0]!;
        var signatureValueElement = children[1]!;
        var keyInfo = children[2]!;

        if (!Children(signedInfo, children, out n, out bad) || n != 3)
            return Fail(SignatureStatus.UnsupportedProfile, bad ?? "ds:SignedInfo must hold exactly CanonicalizationMethod, SignatureMethod and one Reference.");
        if (!Is(children[0], "CanonicalizationMethod") || !Is(children[1], "SignatureMethod") || !Is(children[2], "Reference"))
            return Fail(SignatureStatus.UnsupportedProfile, "ds:SignedInfo must hold exactly CanonicalizationMethod, SignatureMethod and one Reference.");
        if (AlgorithmOf(children[0]!) != ExclusiveC14N)
            return Fail(SignatureStatus.UnsupportedProfile, $"CanonicalizationMethod '{AlgorithmOf(children[0]!)}' is not exclusive C14N ({ExclusiveC14N}) without parameters.");
        if (AlgorithmOf(children[1]!) != EcdsaSha256)
            return Fail(SignatureStatus.UnsupportedProfile, $"SignatureMethod '{AlgorithmOf(children[1]!)}' is not ECDSA-SHA256.");
        var reference = children[2]!;

        if (reference.GetAttributeNode("URI") is not { Value.Length: 0 })
            return Fail(SignatureStatus.UnsupportedProfile, "The Reference must have URI=\"\" (the whole document).");
        foreach (XmlAttribute a in reference.Attributes)
            if (a.LocalName is not ("URI" or "Id" or "Type") && a.NamespaceURI != "http://www.w3.org/2000/xmlns/")
                return Fail(SignatureStatus.UnsupportedProfile, $"The Reference carries an unexpected attribute '{a.Name}'.");
        if (!Children(reference, children, out n, out bad) || n != 3 || !Is(children[0], "Transforms") || !Is(children[1], "DigestMethod") || !Is(children[2], "DigestValue"))
            return Fail(SignatureStatus.UnsupportedProfile, bad ?? "The Reference must hold exactly Transforms, DigestMethod and DigestValue.");
        if (AlgorithmOf(children[1]!) != Sha256)
            return Fail(SignatureStatus.UnsupportedProfile, $"DigestMethod '{AlgorithmOf(children[1]!)}' is not SHA-256.");
        if (!TryBase64(children[2]!, DigestLength, out var digest))
            return Fail(SignatureStatus.Malformed, $"DigestValue is not base64 of {DigestLength} bytes.");

        var transforms = children[0]!;
        if (!Children(transforms, children, out n, out bad) || n is < 1 or > 2 || !Is(children[0], "Transform") || (n == 2 && !Is(children[1], "Transform")))
            return Fail(SignatureStatus.UnsupportedProfile, bad ?? "Transforms must be [enveloped-signature] or [enveloped-signature, exc-c14n].");
        if (AlgorithmOf(children[0]!) != EnvelopedSignature || (n == 2 && AlgorithmOf(children[1]!) != ExclusiveC14N))
            return Fail(SignatureStatus.UnsupportedProfile, "Transforms must be [enveloped-signature] or [enveloped-signature, exc-c14n] without parameters.");
        // XML-DSig 4.3.3.2: a node-set left by the last transform is turned into octets by inclusive C14N.
        var form = n == 2 ? CanonicalForm.Exclusive : CanonicalForm.Inclusive;

        if (!TryBase64(signatureValueElement, SignatureValueLength, out var signatureValue))
            return Fail(SignatureStatus.Malformed, $"SignatureValue is not base64 of {SignatureValueLength} bytes (ECDSA P-256 r||s).");

        if (!Children(keyInfo, children, out n, out bad) || n != 1 || !Is(children[0], "X509Data"))
            return Fail(SignatureStatus.Malformed, bad ?? "KeyInfo must hold exactly one X509Data.");
        if (!Children(children[0]!, children, out n, out bad) || n != 1 || !Is(children[0], "X509IssuerSerial"))
            return Fail(SignatureStatus.Malformed, bad ?? "X509Data must hold exactly one X509IssuerSerial.");
        if (!Children(children[0]!, children, out n, out bad) || n != 2 || !Is(children[0], "X509IssuerName") || !Is(children[1], "X509SerialNumber"))
            return Fail(SignatureStatus.Malformed, bad ?? "X509IssuerSerial must hold X509IssuerName and X509SerialNumber.");
        if (TextOf(children[0]!) is not { } issuerText || TextOf(children[1]!) is not { } serialText)
            return Fail(SignatureStatus.Malformed, "X509IssuerName and X509SerialNumber must hold text only, no elements (xmldsig XSD: xs:string, xs:integer).");
        var issuer = issuerText.Trim();
        if (issuer.Length == 0 || !BigInteger.TryParse(serialText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var serial))
            return Fail(SignatureStatus.Malformed, "X509IssuerSerial must carry an issuer name and a decimal serial number.");

        return new Shape
        {
            SignedInfo = signedInfo,
            ReferenceForm = form,
            Digest = digest,
            SignatureValue = signatureValue,
            IssuerName = issuer,
            Serial = serial,
        };
    }

    private static bool Is(XmlElement? e, string localName) =>
        e is not null && e.LocalName == localName && e.NamespaceURI == DsigNamespace;

    /// <summary>Algorithm attribute of an element that must have no element content (no parameters).</summary>
    private static string? AlgorithmOf(XmlElement e)
    {
        for (var c = e.FirstChild; c is not null; c = c.NextSibling)
            if (c.NodeType is XmlNodeType.Element or XmlNodeType.Text or XmlNodeType.CDATA) return null;
        return e.GetAttribute("Algorithm");
    }

    /// <summary>Element children (up to the span's size); only whitespace and comments may sit between them.</summary>
    private static bool Children(XmlElement parent, XmlElement?[] into, out int count, out string? problem)
    {
        count = 0;
        problem = null;
        Array.Clear(into);
        for (var c = parent.FirstChild; c is not null; c = c.NextSibling)
        {
            switch (c.NodeType)
            {
                case XmlNodeType.Element:
                    if (count < into.Length) into[count] = (XmlElement)c;
                    count++;
                    break;
                case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.Comment:
                    break;
                case XmlNodeType.Text when string.IsNullOrWhiteSpace(c.Value):
                    break;
                default:
                    problem = $"ds:{parent.LocalName} holds unexpected content ({c.NodeType}).";
                    return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The text of an element the xmldsig XSD types as a simple value (xs:string, xs:integer,
    /// base64Binary): null when it holds an element or anything else but text and comments. Checked
    /// with or without the official XSDs, so an element injected into the unsigned KeyInfo, or into a
    /// value, is refused as the DCC Boxed tool's schema validation refuses it.
    /// </summary>
    private static string? TextOf(XmlElement e)
    {
        string? single = null;
        System.Text.StringBuilder? many = null;
        for (var c = e.FirstChild; c is not null; c = c.NextSibling)
        {
            switch (c.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    if (single is null) single = c.Value;
                    else (many ??= new System.Text.StringBuilder(single)).Append(c.Value);
                    break;
                case XmlNodeType.Comment:
                    break;
                default:
                    return null;
            }
        }
        return many?.ToString() ?? single ?? "";
    }

    private static bool TryBase64(XmlElement e, int expectedLength, out byte[] bytes)
    {
        // Signers wrap long base64 (DCC Boxed folds the SignatureValue with CR LF); whitespace is not data.
        bytes = new byte[expectedLength];
        if (TextOf(e) is not { } text) return false;
        Span<byte> scratch = stackalloc byte[expectedLength + 3];
        if (!Convert.TryFromBase64String(text, scratch, out var written) || written != expectedLength) return false;
        scratch[..expectedLength].CopyTo(bytes);
        return true;
    }
}
