using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Protocol.Signing;

/// <summary>Exit codes of <c>openduis sign</c> and <c>openduis verify</c>.</summary>
public enum DuisToolExit
{
    /// <summary>Signed (sign) or valid (verify).</summary>
    Ok = 0,
    /// <summary>Command-line usage error (reported by the command-line parser).</summary>
    Usage = 1,
    /// <summary>The input could not be read, or was refused as hostile or malformed XML.</summary>
    BadInput = 2,
    /// <summary>The signature does not verify (E100), or its certificate is not of the xmlSign role (E65).</summary>
    SignatureFailure = 3,
    /// <summary>The message does not conform to its DUIS schema (or to the DUIS structure without one).</summary>
    SchemaFailure = 4,
    /// <summary>No key folder, or no key or certificate in it for the signer.</summary>
    MissingKey = 5,
}

/// <summary>
/// What <c>openduis sign</c> and <c>openduis verify</c> do, apart from argument parsing: read one
/// message, sign it with its originator's xmlSign key or verify it, validate it, and answer with
/// an exit code and one clear line on the error writer.
/// </summary>
public static class DuisFileTool
{
    /// <summary>The environment variable naming the key folder when --keys is not given.</summary>
    public const string KeysVariable = "OPENDUIS_KEYS";

    /// <summary>The DSP's EUI: the DCC's own messages (responses, alerts) are signed with its 0x89 key.</summary>
    public static readonly Eui Dsp = DemoKeySet.DspEui;

    /// <summary>
    /// Signs a Request with its originator's xmlSign key (a Response with the DSP's), validates
    /// the signed message, and writes it to <paramref name="output"/>.
    /// </summary>
    public static DuisToolExit Sign(Stream input, Stream output, TextWriter error, string? keysFolder, string? schemasFolder)
    {
        if (!TryLoadKeys(keysFolder, error, out var keys)) return DuisToolExit.MissingKey;
        if (!TryLoadSchemas(schemasFolder, error, out var schemas)) return DuisToolExit.SchemaFailure;
        if (!TryRead(input, error, out var document)) return DuisToolExit.BadInput;
        var structure = DuisSchemas.ValidateStructure(document);
        if (!structure.IsValid)
        {
            error.WriteLine($"error: not a DUIS message: {structure}");
            return DuisToolExit.SchemaFailure;
        }
        var signer = SignerOf(document);
        var key = keys.FindXmlSigningKey(signer);
        if (key is null)
        {
            error.WriteLine($"error: no xmlSign key for {signer} in '{keysFolder}'.");
            return DuisToolExit.MissingKey;
        }
        var bytes = DuisSigner.SignAndSerialise(document, key);
        if (schemas is not null)
        {
            var result = schemas.Validate(SecureXml.Default.Load(bytes));
            if (!result.IsValid)
            {
                error.WriteLine($"error: the signed message does not conform to the DUIS {result.SchemaVersion} schema: {result}");
                return DuisToolExit.SchemaFailure;
            }
        }
        output.Write(bytes);
        output.Flush();
        error.WriteLine($"signed by {key.Certificate.Subject} with certificate {key.Certificate.SerialNumber} ({key.Certificate.Role})");
        return DuisToolExit.Ok;
    }

    /// <summary>
    /// Verifies a message: a Request must be signed by its originator's xmlSign certificate (0x87;
    /// the DSP's 0x89 for requests the DSP originates), a Response by the DSP's; then validates it.
    /// </summary>
    public static DuisToolExit Verify(Stream input, TextWriter output, TextWriter error, string? keysFolder, string? schemasFolder)
    {
        if (!TryLoadKeys(keysFolder, error, out var keys)) return DuisToolExit.MissingKey;
        if (!TryLoadSchemas(schemasFolder, error, out var schemas)) return DuisToolExit.SchemaFailure;
        if (!TryRead(input, error, out var document)) return DuisToolExit.BadInput;
        var structure = DuisSchemas.ValidateStructure(document);
        if (!structure.IsValid)
        {
            error.WriteLine($"error: not a DUIS message: {structure}");
            return DuisToolExit.SchemaFailure;
        }
        var expectedSigner = SignerOf(document);
        var role = expectedSigner == Dsp ? RemotePartyRole.DspXmlSign : RemotePartyRole.XmlSign;
        var verification = DuisSignatureVerifier.Verify(document, keys, role);
        if (!verification.IsValid)
        {
            error.WriteLine($"error: signature {verification.Status} ({verification.FailureCode}): {verification.Detail}");
            return verification.Status == SignatureStatus.UnknownCertificate ? DuisToolExit.MissingKey : DuisToolExit.SignatureFailure;
        }
        if (verification.Signer!.Subject != expectedSigner)
        {
            error.WriteLine($"error: signed by {verification.Signer.Subject}, but the message must be signed by {expectedSigner}.");
            return DuisToolExit.SignatureFailure;
        }
        var schema = schemas?.Validate(document) ?? structure;
        if (!schema.IsValid)
        {
            error.WriteLine($"error: does not conform to the DUIS {schema.SchemaVersion} schema: {schema}");
            return DuisToolExit.SchemaFailure;
        }
        output.WriteLine($"valid: signed by {verification.Signer.Subject} ({verification.Signer.Role}, serial {verification.Signer.SerialNumber}); " +
                         (schemas is null ? "structure checked (no schema folder)" : $"conforms to DUIS schema {schema.SchemaVersion}"));
        return DuisToolExit.Ok;
    }

    /// <summary>Who signs: a Request's originator, or the DSP for a Response.</summary>
    private static Eui SignerOf(XmlDocument document)
    {
        if (document.DocumentElement is { LocalName: "Response" }) return Dsp;
        var requestId = document.DocumentElement!["Header", DuisNamespaces.ServiceUserGateway]!["RequestID", DuisNamespaces.ServiceUserGateway]!.InnerText;
        return RequestId.Parse(requestId).Originator;
    }

    private static bool TryLoadKeys(string? folder, TextWriter error, out KeyStore keys)
    {
        keys = null!;
        folder ??= Environment.GetEnvironmentVariable(KeysVariable);
        if (string.IsNullOrEmpty(folder))
        {
            error.WriteLine($"error: no key folder: pass --keys DIR or set {KeysVariable}.");
            return false;
        }
        try
        {
            keys = KeyStore.Load(folder);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            error.WriteLine($"error: cannot read the key folder '{folder}': {e.Message}");
            return false;
        }
    }

    private static bool TryLoadSchemas(string? folder, TextWriter error, out DuisSchemas? schemas)
    {
        schemas = null;
        if (folder is null) return true;
        try
        {
            schemas = DuisSchemas.Load(folder);
            return true;
        }
        catch (IOException e)
        {
            error.WriteLine($"error: cannot load DUIS schemas from '{folder}': {e.Message}");
            return false;
        }
    }

    private static bool TryRead(Stream input, TextWriter error, out XmlDocument document)
    {
        document = null!;
        try
        {
            document = SecureXml.Default.Load(input);
            return true;
        }
        catch (XmlRefusedException e)
        {
            error.WriteLine($"error: input refused ({e.Refusal}): {e.Message}");
            return false;
        }
        catch (IOException e)
        {
            error.WriteLine($"error: cannot read the input: {e.Message}");
            return false;
        }
    }
}
