using System.Diagnostics.CodeAnalysis;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Protocol.Signing;

/// <summary>
/// The security layer of every DUIS exchange in one place: load untrusted bytes safely
/// (R-MSG-5), verify the signature against the known certificates (R-MSG-3), sign and serialise
/// what the DCC sends; validate against the official XSDs when a schema folder is configured
/// (R-MSG-4), or the DUIS structure otherwise. One instance serves all requests concurrently.
/// </summary>
public sealed class DuisSecurity(ICertificateLookup certificates, SecureXmlOptions? xmlOptions = null, DuisSchemas? schemas = null)
{
    private readonly SecureXml _xml = xmlOptions is null ? SecureXml.Default : new SecureXml(xmlOptions);

    public ICertificateLookup Certificates { get; } = certificates;

    /// <summary>The official schemas, or null to validate the DUIS structure only.</summary>
    public DuisSchemas? Schemas { get; } = schemas;

    /// <summary>Loads a message; throws <see cref="XmlRefusedException"/> with the reason when refused.</summary>
    public XmlDocument Load(ReadOnlyMemory<byte> bytes) => _xml.Load(bytes);

    public XmlDocument Load(Stream stream) => _xml.Load(stream);

    /// <summary>
    /// Reads and verifies a signed service request in one pass over its bytes, with no DOM of the whole
    /// message: the same request and the same verdict as <see cref="Load(ReadOnlyMemory{byte})"/>,
    /// <see cref="DuisRequest.TryRead"/> and <see cref="Verify(XmlDocument, RemotePartyRole)"/> give, the
    /// signer's role chosen by <paramref name="requiredRole"/> from the request's header. Refused XML throws
    /// the <see cref="XmlRefusedException"/> <see cref="Load(ReadOnlyMemory{byte})"/> throws. False when the
    /// message is not of the usual shape (not a well-formed DUIS request, a second signature, a Reference
    /// whose canonical form the pass did not foresee…): the caller then takes the document path, which names the problem.
    /// <para>
    /// The request's body is read as fields, its element built from <paramref name="bytes"/> only when it is asked
    /// for, until <see cref="DuisRequest.ReleaseBytes"/>: the caller releases them before it reuses the bytes.
    /// With <paramref name="bodyElementForDevices"/> a device request's body element is built as it is read, for
    /// whoever keeps the request after its bytes are reused (the SM WAN).
    /// </para>
    /// </summary>
    public bool TryReadSignedRequest(ReadOnlyMemory<byte> bytes, Func<RequestId, RemotePartyRole> requiredRole,
        [NotNullWhen(true)] out DuisRequest? request, [NotNullWhen(true)] out VerificationResult? verification) =>
        TryReadSignedRequest(bytes, requiredRole, bodyElementForDevices: false, out request, out verification);

    /// <inheritdoc cref="TryReadSignedRequest(ReadOnlyMemory{byte}, Func{RequestId, RemotePartyRole}, out DuisRequest?, out VerificationResult?)"/>
    public bool TryReadSignedRequest(ReadOnlyMemory<byte> bytes, Func<RequestId, RemotePartyRole> requiredRole, bool bodyElementForDevices,
        [NotNullWhen(true)] out DuisRequest? request, [NotNullWhen(true)] out VerificationResult? verification)
    {
        verification = null;
        var reader = SignedRequestReader.ForThread;
        if (!reader.TryRead(_xml, bytes, bodyElementForDevices, out request)) return false;
        verification = reader.Verify(request, Certificates, requiredRole(request.RequestId));
        return verification is not null;
    }

    /// <summary>Verifies a User's message: the signer must hold an xmlSign (0x87) certificate.</summary>
    public VerificationResult Verify(XmlDocument document) =>
        DuisSignatureVerifier.Verify(document, Certificates, RemotePartyRole.XmlSign);

    /// <summary>Verifies a message signed by a party of <paramref name="requiredRole"/> (the DSP's: 0x89).</summary>
    public VerificationResult Verify(XmlDocument document, RemotePartyRole requiredRole) =>
        DuisSignatureVerifier.Verify(document, Certificates, requiredRole);

    /// <summary>Validates against the XSD of the message's schemaVersion, or its DUIS structure without schemas.</summary>
    public SchemaValidationResult Validate(XmlDocument document) =>
        Schemas?.Validate(document) ?? DuisSchemas.ValidateStructure(document);

    /// <summary>Signs in place and serialises to UTF-8.</summary>
    public byte[] SignAndSerialise(XmlDocument document, SigningKey key) => DuisSigner.SignAndSerialise(document, key);
}
