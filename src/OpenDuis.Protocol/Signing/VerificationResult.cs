using OpenDuis.Protocol.Keys;

namespace OpenDuis.Protocol.Signing;

/// <summary>The outcome of verifying a DUIS signature (R-MSG-3).</summary>
public enum SignatureStatus
{
    Valid,
    /// <summary>No ds:Signature in the document.</summary>
    NotSigned,
    /// <summary>More than one ds:Signature anywhere in the document (a wrapping attempt).</summary>
    MultipleSignatures,
    /// <summary>The ds:Signature is not a direct child of the document element.</summary>
    SignatureMisplaced,
    /// <summary>An algorithm, transform or reference outside the DUIS profile.</summary>
    UnsupportedProfile,
    /// <summary>The signature block is not shaped as XML-DSig requires (missing element, bad base64...).</summary>
    Malformed,
    /// <summary>No certificate in the store has the X509IssuerSerial the signature names.</summary>
    UnknownCertificate,
    /// <summary>The document's digest does not match the signed DigestValue: the message was altered.</summary>
    DigestMismatch,
    /// <summary>The signature value does not verify over SignedInfo with the certificate's key.</summary>
    SignatureMismatch,
    /// <summary>A valid signature, but not by an Organisation Certificate of the required xmlSign role.</summary>
    NotXmlSignCertificate,
}

/// <summary>The DUIS response code a signature failure maps to (AD 3.5.10 Table 1).</summary>
public enum SignatureFailureCode
{
    None,
    /// <summary>E100: failed authentication.</summary>
    E100,
    /// <summary>E65: not signed with an Organisation Certificate of role xmlSign.</summary>
    E65,
}

/// <summary>The outcome of <see cref="DuisSignatureVerifier.Verify"/>: valid, or the precise reason.</summary>
public sealed record VerificationResult(SignatureStatus Status, string Detail, OrganisationCertificate? Signer)
{
    public bool IsValid => Status == SignatureStatus.Valid;

    /// <summary>R-MSG-3: a wrong role is E65, every other failure E100.</summary>
    public SignatureFailureCode FailureCode => Status switch
    {
        SignatureStatus.Valid => SignatureFailureCode.None,
        SignatureStatus.NotXmlSignCertificate => SignatureFailureCode.E65,
        _ => SignatureFailureCode.E100,
    };

    internal static VerificationResult Fail(SignatureStatus status, string detail, OrganisationCertificate? signer = null) =>
        new(status, detail, signer);

    public override string ToString() => IsValid ? $"Valid: signed by {Signer}" : $"{Status} ({FailureCode}): {Detail}";
}
