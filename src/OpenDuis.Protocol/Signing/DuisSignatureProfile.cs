namespace OpenDuis.Protocol.Signing;

/// <summary>
/// The one XML-DSig profile DUIS allows (R-MSG-3; DUIS 3.2.3): an enveloped signature, last child
/// of the document element, one Reference to the whole document (URI=""), ECDSA P-256 over
/// SHA-256, exclusive canonicalisation of SignedInfo, the signer named by X509IssuerSerial.
/// </summary>
public static class DuisSignatureProfile
{
    public const string DsigNamespace = "http://www.w3.org/2000/09/xmldsig#";
    public const string ExclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
    public const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    public const string EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";

    /// <summary>The prefix DCC Boxed writes for the signature namespace.</summary>
    public const string Prefix = "ds";

    /// <summary>An ECDSA P-256 signature value: r||s, 32 bytes each (IEEE P1363, XML-DSig 6.4.3).</summary>
    public const int SignatureValueLength = 64;
    public const int DigestLength = 32;
}
