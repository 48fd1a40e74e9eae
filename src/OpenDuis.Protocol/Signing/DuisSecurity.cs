using System.Xml;
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
