using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Keys;

public class KeyStoreTests
{
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");

    [Fact]
    public void The_ZAZ1_set_loads_with_EUIs_roles_usages_and_128_bit_serials()
    {
        var store = SecurityFixtures.Zaz1;
        var xmlSign = store.FindXmlSigningKey(Supplier)!;
        Assert.Equal(RemotePartyRole.XmlSign, xmlSign.Certificate.Role);
        Assert.Equal(CertificateKeyUsage.DigitalSignature, xmlSign.Certificate.Usage);
        Assert.Equal(BigInteger.Parse("27572613927499351639968579586655397031"), xmlSign.Certificate.SerialNumber);
        Assert.Equal("CN=Z1,OU=07", xmlSign.Certificate.IssuerName);
        Assert.NotNull(store.FindSigningKey(Supplier, RemotePartyRole.Supplier, CertificateKeyUsage.KeyAgreement));
        Assert.Equal(RemotePartyRole.DspXmlSign, store.FindXmlSigningKey(SecurityFixtures.Dsp)!.Certificate.Role);
        Assert.True(store.Certificates.Count >= 30);
    }

    [Fact]
    public void The_DSP_certificates_of_every_generation_are_found_by_issuer_and_serial()
    {
        var store = SecurityFixtures.Zaz1;
        // Current (0x89 "89"), DCC Boxed before 1.4.1 (OU written in decimal "137"), and the 2025 ACB-issued one.
        foreach (var serial in new[] { "167048897159233642262001557408276884033", "50669612984035780968362471400449834504", "20315062944123339095836004026371736578" })
        {
            var certificate = store.Find("CN=Z1,OU=07", BigInteger.Parse(serial));
            Assert.NotNull(certificate);
            Assert.Equal(RemotePartyRole.DspXmlSign, certificate.Role);
            Assert.Equal(SecurityFixtures.Dsp, certificate.Subject);
        }
    }

    [Theory]
    [InlineData("87", 0x87)]
    [InlineData("02", 0x02)]
    [InlineData("7F", 0x7F)]
    [InlineData("137", 0x89)]
    [InlineData("135", 0x87)]
    public void Role_text_is_hex_or_legacy_decimal(string text, int value)
    {
        Assert.True(RemotePartyRole.TryParse(text, out var role));
        Assert.Equal(value, role.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ZZ")]
    [InlineData("999")]
    [InlineData("1234")]
    public void Other_role_text_is_refused(string text) => Assert.False(RemotePartyRole.TryParse(text, out _));

    [Fact]
    public void A_generated_demo_set_has_deterministic_names_SMKI_shaped_certificates_and_signs()
    {
        var folder = Directory.CreateTempSubdirectory("openduis-demo-").FullName;
        var user = Eui.Parse("00-DB-12-34-56-78-90-01");
        var written = DemoKeySet.Generate(folder, [new DemoParty(user, RemotePartyRole.NetworkOperator)]);
        Assert.Equal(
        [
            "demo-root-ca.pem", "demo-root-ca.key",
            "dsp-xml-sign-90B3D51F30000002-ds.pem", "dsp-xml-sign-90B3D51F30000002-ds.key",
            "role-04-90B3D51F30000002-ds.pem", "role-04-90B3D51F30000002-ds.key",
            "role-04-90B3D51F30000002-ka.pem", "role-04-90B3D51F30000002-ka.key",
            "s1sp-xml-sign-90B3D51F30000101-ds.pem", "s1sp-xml-sign-90B3D51F30000101-ds.key",
            "xml-sign-00DB123456789001-ds.pem", "xml-sign-00DB123456789001-ds.key",
            "role-03-00DB123456789001-ds.pem", "role-03-00DB123456789001-ds.key",
            "role-03-00DB123456789001-ka.pem", "role-03-00DB123456789001-ka.key",
        ], written);

        var store = KeyStore.Load(folder);
        Assert.Equal(7, store.Certificates.Count); // the CA is not an Organisation Certificate
        Assert.NotNull(store.FindSigningKey(DemoKeySet.DspEui, RemotePartyRole.AccessControlBroker, CertificateKeyUsage.KeyAgreement));
        Assert.NotNull(store.FindXmlSigningKey(DemoKeySet.Smets1ServiceProviderEui));
        if (!OperatingSystem.IsWindows())
            foreach (var keyFile in written.Where(f => f.EndsWith(".key", StringComparison.Ordinal)))
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, keyFile)));
        var key = store.FindXmlSigningKey(user)!;
        Assert.Equal("CN=OPENDUIS DEMO CA,OU=07", key.Certificate.IssuerName);
        Assert.Equal(16, key.Certificate.Certificate.SerialNumberBytes.Length);
        Assert.True(key.Certificate.SerialNumber > BigInteger.Pow(2, 64));
        var extensions = key.Certificate.Certificate.Extensions;
        Assert.True(extensions["2.5.29.32"]!.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, ((X509KeyUsageExtension)extensions["2.5.29.15"]!).KeyUsages);
        Assert.Equal(CertificateKeyUsage.KeyAgreement, store.FindSigningKey(user, RemotePartyRole.NetworkOperator, CertificateKeyUsage.KeyAgreement)!.Certificate.Usage);

        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(folder, "demo-root-ca.pem"));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(key.Certificate.Certificate));

        var document = SecurityFixtures.Load(SecurityFixtures.TemplateBytes("8.2_READ_INVENTORY_REQUEST_DUIS.XML"));
        var signed = SecurityFixtures.Load(DuisSigner.SignAndSerialise(document, key));
        Assert.True(DuisSignatureVerifier.Verify(signed, store, RemotePartyRole.XmlSign).IsValid);
        Assert.Equal(SignatureStatus.UnknownCertificate, DuisSignatureVerifier.Verify(signed, SecurityFixtures.Zaz1, RemotePartyRole.XmlSign).Status);

        var dsp = store.FindXmlSigningKey(DemoKeySet.DspEui)!;
        Assert.Equal(RemotePartyRole.DspXmlSign, dsp.Certificate.Role);
    }

    [Fact]
    public void A_key_that_does_not_match_its_certificate_is_refused()
    {
        var a = SecurityFixtures.Zaz1.FindXmlSigningKey(Supplier)!;
        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        Assert.Throws<ArgumentException>(() => new SigningKey(a.Certificate, other));
    }

    [Fact]
    public void A_missing_key_folder_is_reported() =>
        Assert.Throws<DirectoryNotFoundException>(() => KeyStore.Load(Path.Combine(RepoPaths.Root, "no-such-folder")));
}
