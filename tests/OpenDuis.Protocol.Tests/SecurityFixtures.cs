using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests;

/// <summary>Key sets and helpers shared by the security tests.</summary>
internal static class SecurityFixtures
{
    public static readonly Eui Dsp = Eui.Parse("90-B3-D5-1F-30-00-00-02");

    private static readonly Lazy<KeyStore> Zaz1Lazy = new(() => KeyStore.Load(RepoPaths.Keystore));

    /// <summary>The public ZAZ1 test keys (what DCC Boxed trusts).</summary>
    public static KeyStore Zaz1 => Zaz1Lazy.Value;

    // RTDS originators the ZAZ1 set has no xmlSign key for: a demo set of our own covers them.
    private static readonly Lazy<(string Folder, KeyStore Store)> DemoLazy = new(() =>
    {
        var folder = Directory.CreateTempSubdirectory("openduis-demo-keys-").FullName;
        DemoKeySet.Generate(folder,
        [
            new DemoParty(Eui.Parse("90-B3-D5-1F-30-01-00-08"), RemotePartyRole.OtherUser),
            new DemoParty(Eui.Parse("90-B3-D5-1F-30-03-00-00"), RemotePartyRole.Supplier),
            new DemoParty(Eui.Parse("90-B3-D5-1F-30-01-00-00"), RemotePartyRole.Supplier),
        ]);
        return (folder, KeyStore.Load(folder));
    });

    public static KeyStore Demo => DemoLazy.Value.Store;
    public static string DemoFolder => DemoLazy.Value.Folder;

    public static string TemplatePath(string name) => Path.Combine(RepoPaths.Templates, name);

    public static byte[] TemplateBytes(string name) => File.ReadAllBytes(TemplatePath(name));

    public static XmlDocument Load(byte[] bytes) => SecureXml.Default.Load(bytes);

    public static XmlDocument Load(string xml) => SecureXml.Default.Load(Encoding.UTF8.GetBytes(xml));

    public static RequestId RequestIdOf(XmlDocument document)
    {
        var ns = new XmlNamespaceManager(document.NameTable);
        ns.AddNamespace("sr", "http://www.dccinterface.co.uk/ServiceUserGateway");
        return RequestId.Parse(document.SelectSingleNode("/sr:*/sr:Header/sr:RequestID", ns)!.InnerText);
    }

    /// <summary>The role a template's originator signs with: the DSP's own EUI signs as DSP xmlSign.</summary>
    public static RemotePartyRole RoleFor(Eui originator) =>
        originator == Dsp ? RemotePartyRole.DspXmlSign : RemotePartyRole.XmlSign;

    /// <summary>The ZAZ1 key for the originator, else the demo set's; and the store that trusts it.</summary>
    public static (SigningKey Key, KeyStore Store) KeyFor(Eui originator) =>
        Zaz1.FindXmlSigningKey(originator) is { } key ? (key, Zaz1) : (Demo.FindXmlSigningKey(originator)!, Demo);

    public static byte[] SignTemplate(string name, out KeyStore store, out RemotePartyRole role)
    {
        var document = Load(TemplateBytes(name));
        var originator = RequestIdOf(document).Originator;
        var (key, s) = KeyFor(originator);
        store = s;
        role = RoleFor(originator);
        return DuisSigner.SignAndSerialise(document, key);
    }

    public static IEnumerable<string> TemplateNames() => RepoPaths.TemplateFiles().Select(Path.GetFileName)!;

    /// <summary>The framework's general XML-DSig implementation, as an independent check of ours.</summary>
    public static bool SignedXmlVerifies(byte[] bytes, KeyStore store)
    {
        EcdsaSha256SignatureDescription.Register();
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using (var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
            document.Load(reader);
        var signatures = document.GetElementsByTagName("Signature", DuisSignatureProfile.DsigNamespace);
        if (signatures.Count != 1) return false;
        var element = (XmlElement)signatures[0]!;
        var issuer = element.GetElementsByTagName("X509IssuerName", DuisSignatureProfile.DsigNamespace)[0]!.InnerText;
        var serial = System.Numerics.BigInteger.Parse(element.GetElementsByTagName("X509SerialNumber", DuisSignatureProfile.DsigNamespace)[0]!.InnerText);
        var certificate = store.Find(issuer, serial);
        if (certificate is null) return false;
        try
        {
            var signedXml = new SignedXml(document);
            signedXml.LoadXml(element);
            using var key = certificate.Certificate.PublicKey.GetECDsaPublicKey()!;
            return signedXml.CheckSignature(key);
        }
        catch (CryptographicException)
        {
            return false; // an algorithm or transform SignedXml does not know
        }
    }
}

/// <summary>Teaches SignedXml ECDSA-SHA256 (XML-DSig carries r||s, which ECDsa.VerifyHash takes as is).</summary>
public sealed class EcdsaSha256SignatureDescription : SignatureDescription
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        CryptoConfig.AddAlgorithm(typeof(EcdsaSha256SignatureDescription), DuisSignatureProfile.EcdsaSha256);
        return true;
    });

    public static void Register() => _ = Registered.Value;

    public EcdsaSha256SignatureDescription()
    {
        KeyAlgorithm = typeof(ECDsa).AssemblyQualifiedName;
        DigestAlgorithm = typeof(SHA256).AssemblyQualifiedName;
    }

    public override HashAlgorithm CreateDigest() => SHA256.Create();

    public override AsymmetricSignatureDeformatter CreateDeformatter(AsymmetricAlgorithm key) => new Deformatter((ECDsa)key);

    public override AsymmetricSignatureFormatter CreateFormatter(AsymmetricAlgorithm key) => throw new NotSupportedException();

    private sealed class Deformatter(ECDsa key) : AsymmetricSignatureDeformatter
    {
        public override void SetKey(AsymmetricAlgorithm key) => throw new NotSupportedException();
        public override void SetHashAlgorithm(string strName) { }
        public override bool VerifySignature(byte[] rgbHash, byte[] rgbSignature) => key.VerifyHash(rgbHash, rgbSignature);
    }
}
