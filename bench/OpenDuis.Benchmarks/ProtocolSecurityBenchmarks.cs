using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Xml;
using BenchmarkDotNet.Attributes;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The DUIS security layer on RTDS requests signed with the ZAZ1 keys: hostile-XML-safe parse,
/// signature verification (purpose-built, and the framework's SignedXml for comparison), XSD
/// validation, signing; and the floor they are measured against, one raw ECDSA-P256 verify and
/// one sign, in the same run. The door's protocol work (DoorOnePass: one-pass read and verify, the
/// acknowledgement signed from one canonicalisation) beside the document path it replaced (DoorDocument).
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- --filter '*ProtocolSecurity*' --job short
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class ProtocolSecurityBenchmarks
{
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Dsp = Eui.Parse("90-B3-D5-1F-30-00-00-02");

    private KeyStore _keys = null!;
    private SigningKey _userKey = null!;
    private SigningKey _dspKey = null!;
    private DuisSchemas _schemas = null!;
    private byte[] _signed = null!;
    private XmlDocument _signedDocument = null!;
    private XmlDocument _toSign = null!;
    private ECDsa _publicKey = null!;
    private ECDsa _privateKey = null!;
    private byte[] _hash = null!;
    private byte[] _signature = null!;
    private DuisSecurity _security = null!;
    private DuisRequest _request = null!;
    private readonly DateTimeOffset _at = DateTimeOffset.UnixEpoch;

    /// <summary>A typical RTDS request (1.7 kB, the corpus median) and the largest (26 kB).</summary>
    [Params("ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML", "ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML")]
    public string Template { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        CryptoConfig.AddAlgorithm(typeof(EcdsaSha256Description), DuisSignatureProfile.EcdsaSha256);
        var reference = Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!;
        _keys = KeyStore.Load(Path.Combine(reference, "keystore"));
        _userKey = _keys.FindXmlSigningKey(Supplier)!;
        _dspKey = _keys.FindXmlSigningKey(Dsp)!;
        _schemas = DuisSchemas.Load(Path.Combine(reference, "duis-xsd"));
        var template = SecureXml.Default.Load(File.ReadAllBytes(Path.Combine(ReferenceData.Templates, Template)));
        _signed = DuisSigner.SignAndSerialise(template, _userKey);
        _signedDocument = SecureXml.Default.Load(_signed);
        _toSign = SecureXml.Default.Load(_signed);
        _security = new DuisSecurity(_keys);
        _request = DuisRequest.Read(_signedDocument);
        if (!Verify().IsValid || !VerifySignedXml() || !SchemaValidate().IsValid || !ReadVerifyOnePass() || !ReadVerifyDocument())
            throw new InvalidOperationException("The benchmark message does not verify or validate.");

        _publicKey = _userKey.Certificate.Certificate.PublicKey.GetECDsaPublicKey()!;
        _privateKey = ECDsa.Create();
        _privateKey.ImportFromPem(_userKey.ExportPrivateKeyPem());
        _hash = SHA256.HashData(_signed);
        _signature = _privateKey.SignHash(_hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _publicKey.Dispose();
        _privateKey.Dispose();
    }

    /// <summary>The floor: one ECDSA-P256 verify over a SHA-256 hash.</summary>
    [Benchmark]
    public bool EcdsaVerify() => _publicKey.VerifyHash(_hash, _signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The floor: one ECDSA-P256 sign of a SHA-256 hash.</summary>
    [Benchmark]
    public byte[] EcdsaSign() => _privateKey.SignHash(_hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    [Benchmark]
    public XmlDocument Parse() => SecureXml.Default.Load(_signed);

    [Benchmark]
    public VerificationResult Verify() => DuisSignatureVerifier.Verify(_signedDocument, _keys, RemotePartyRole.XmlSign);

    [Benchmark]
    public bool VerifySignedXml()
    {
        var signedXml = new SignedXml(_signedDocument);
        signedXml.LoadXml((XmlElement)_signedDocument.GetElementsByTagName("Signature", DuisSignatureProfile.DsigNamespace)[0]!);
        return signedXml.CheckSignature(_userKey.Certificate.Certificate.PublicKey.GetECDsaPublicKey()!);
    }

    [Benchmark]
    public SchemaValidationResult SchemaValidate() => _schemas.Validate(_signedDocument);

    /// <summary>Sign and serialise (the signature of the previous round is replaced).</summary>
    [Benchmark]
    public byte[] Sign() => DuisSigner.SignAndSerialise(_toSign, _dspKey);

    /// <summary>Read and verify a request through the document: secure load, DUIS read, signature check (the path for unusual messages).</summary>
    [Benchmark]
    public bool ReadVerifyDocument()
    {
        var document = SecureXml.Default.Load(_signed);
        return DuisRequest.TryRead(document, out _, out _) && DuisSignatureVerifier.Verify(document, _keys, RemotePartyRole.XmlSign).IsValid;
    }

    /// <summary>Read and verify a request in one pass over its bytes, no DOM of the message (the server's request path).</summary>
    [Benchmark]
    public bool ReadVerifyOnePass() =>
        _security.TryReadSignedRequest(_signed, static _ => RemotePartyRole.XmlSign, out _, out var verification) && verification.IsValid;

    /// <summary>Build and sign the request's I99 acknowledgement through the DOM signer (signature nodes, SignedInfo canonicalised, document serialised).</summary>
    [Benchmark]
    public byte[] AcknowledgeSignDocument() => DuisSigner.SignAndSerialise(DuisResponse.CreateAcknowledgement(_request, ResponseCode.I99, _at).ToXmlDocument(), _dspKey);

    /// <summary>Build and sign the same acknowledgement from its canonical text, no document (the server's answer path).</summary>
    [Benchmark]
    public byte[] AcknowledgeSignToBytes() => DuisResponse.CreateAcknowledgement(_request, ResponseCode.I99, _at).ToSignedBytes(_dspKey);

    /// <summary>The door's protocol work before: document read and verify, DOM-signed acknowledgement.</summary>
    [Benchmark]
    public byte[] DoorDocument()
    {
        var document = SecureXml.Default.Load(_signed);
        if (!DuisRequest.TryRead(document, out var request, out _) || !DuisSignatureVerifier.Verify(document, _keys, RemotePartyRole.XmlSign).IsValid)
            throw new InvalidOperationException();
        return DuisSigner.SignAndSerialise(DuisResponse.CreateAcknowledgement(request, ResponseCode.I99, _at).ToXmlDocument(), _dspKey);
    }

    /// <summary>The door's protocol work now: one-pass read and verify, acknowledgement written and signed without a document.</summary>
    [Benchmark]
    public byte[] DoorOnePass()
    {
        if (!_security.TryReadSignedRequest(_signed, static _ => RemotePartyRole.XmlSign, out var request, out var verification) || !verification.IsValid)
            throw new InvalidOperationException();
        return DuisResponse.CreateAcknowledgement(request, ResponseCode.I99, _at).ToSignedBytes(_dspKey);
    }

    /// <summary>The hot path's crypto-bearing work on one message: parse, verify, sign and serialise.</summary>
    [Benchmark]
    public byte[] ParseVerifySign()
    {
        var document = SecureXml.Default.Load(_signed);
        if (!DuisSignatureVerifier.Verify(document, _keys, RemotePartyRole.XmlSign).IsValid) throw new InvalidOperationException();
        return DuisSigner.SignAndSerialise(document, _dspKey);
    }

    /// <summary>SignedXml needs to be taught ECDSA-SHA256 (r||s is what ECDsa.VerifyHash takes).</summary>
    public sealed class EcdsaSha256Description : SignatureDescription
    {
        public EcdsaSha256Description()
        {
            KeyAlgorithm = typeof(ECDsa).AssemblyQualifiedName;
            DigestAlgorithm = typeof(SHA256).AssemblyQualifiedName;
        }

        public override HashAlgorithm CreateDigest() => SHA256.Create();
        public override AsymmetricSignatureDeformatter CreateDeformatter(AsymmetricAlgorithm key) => new Deformatter((ECDsa)key);

        private sealed class Deformatter(ECDsa key) : AsymmetricSignatureDeformatter
        {
            public override void SetKey(AsymmetricAlgorithm key) => throw new NotSupportedException();
            public override void SetHashAlgorithm(string strName) { }
            public override bool VerifySignature(byte[] rgbHash, byte[] rgbSignature) => key.VerifyHash(rgbHash, rgbSignature);
        }
    }
}

/// <summary>The same operations over the whole RTDS corpus (297 requests): the cost per request.</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class ProtocolSecurityCorpusBenchmarks
{
    private const int Count = 297;
    private KeyStore _keys = null!;
    private SigningKey _dspKey = null!;
    private byte[][] _signed = null!;
    private RemotePartyRole[] _roles = null!;

    [GlobalSetup]
    public void Setup()
    {
        var reference = Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!;
        _keys = KeyStore.Load(Path.Combine(reference, "keystore"));
        _dspKey = _keys.FindXmlSigningKey(Eui.Parse("90-B3-D5-1F-30-00-00-02"))!;
        var signed = new List<byte[]>();
        var roles = new List<RemotePartyRole>();
        foreach (var file in Directory.EnumerateFiles(ReferenceData.Templates).Order(StringComparer.Ordinal))
        {
            var document = SecureXml.Default.Load(File.ReadAllBytes(file));
            var ns = new XmlNamespaceManager(document.NameTable);
            ns.AddNamespace("sr", "http://www.dccinterface.co.uk/ServiceUserGateway");
            var originator = RequestId.Parse(document.SelectSingleNode("/sr:*/sr:Header/sr:RequestID", ns)!.InnerText).Originator;
            // ZAZ1 has no xmlSign key for two RTDS originators; the DSP key stands in for them.
            var key = _keys.FindXmlSigningKey(originator) ?? _dspKey;
            signed.Add(DuisSigner.SignAndSerialise(document, key));
            roles.Add(key.Certificate.Role);
        }
        if (signed.Count != Count) throw new InvalidOperationException($"Expected {Count} templates, found {signed.Count}.");
        _signed = [.. signed];
        _roles = [.. roles];
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int ParseVerifySignCorpus()
    {
        var total = 0;
        for (var i = 0; i < _signed.Length; i++)
        {
            var document = SecureXml.Default.Load(_signed[i]);
            if (!DuisSignatureVerifier.Verify(document, _keys, _roles[i]).IsValid) throw new InvalidOperationException();
            total += DuisSigner.SignAndSerialise(document, _dspKey).Length;
        }
        return total;
    }
}
