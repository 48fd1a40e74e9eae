using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests.Keys;

/// <summary>
/// The emulated Devices' own keys: SMKI Device Certificates shaped field by field as the ZAZ1 test
/// Device Certificates of the RTDS Devices, issued by the store's demo Device CA, private keys owner-only,
/// a key folder's Device keys used instead of issuing.
/// </summary>
public sealed class DeviceKeyStoreTests : IDisposable
{
    private static readonly Eui Meter = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private readonly string _folder = Directory.CreateTempSubdirectory("openduis-device-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    private string Store => Path.Combine(_folder, "device-keys");

    private static X509Certificate2 Reference(string name) =>
        X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(RepoPaths.ReferencePath("rtds-gbcs", "keystore", name))).RawData);

    [Theory]
    [InlineData(CertificateKeyUsage.DigitalSignature, "00db1234567890a0-ds.pem")]
    [InlineData(CertificateKeyUsage.KeyAgreement, "00db1234567890a0-ka.pem")]
    public void Issued_certificates_match_the_ZAZ1_Device_Certificates_field_by_field(CertificateKeyUsage usage, string referenceName)
    {
        var credentials = DeviceKeyStore.Open(Store).Ensure(Meter);
        var ours = usage == CertificateKeyUsage.DigitalSignature ? credentials.DigitalSigningCertificate : credentials.KeyAgreementCertificate;
        var theirs = Reference(referenceName);

        Assert.Equal(theirs.Version, ours.Version);
        Assert.Equal(theirs.SignatureAlgorithm.Value, ours.SignatureAlgorithm.Value);
        Assert.Equal(theirs.SerialNumberBytes.Length, ours.SerialNumberBytes.Length);
        Assert.True((ours.SerialNumberBytes.Span[0] & 0x80) == 0, "serial is positive");
        Assert.Equal(theirs.SubjectName.RawData, ours.SubjectName.RawData); // empty subject: 30 00
        Assert.Equal(theirs.NotAfter, ours.NotAfter);
        Assert.Equal(theirs.PublicKey.EncodedParameters!.RawData, ours.PublicKey.EncodedParameters!.RawData); // P-256
        Assert.Equal(
            theirs.Extensions.Select(e => (e.Oid!.Value, e.Critical)),
            ours.Extensions.Select(e => (e.Oid!.Value, e.Critical)));
        foreach (var oid in (string[])["2.5.29.15", "2.5.29.32"])
            Assert.Equal(theirs.Extensions[oid]!.RawData, ours.Extensions[oid]!.RawData);
        Assert.Equal(theirs.Extensions["2.5.29.14"]!.RawData.Length, ours.Extensions["2.5.29.14"]!.RawData.Length);
        Assert.Equal(theirs.Extensions["2.5.29.35"]!.RawData.Length, ours.Extensions["2.5.29.35"]!.RawData.Length);
        // The subjectAltName is byte for byte the reference's: the same Device ID, hwType and structure.
        Assert.Equal(theirs.Extensions["2.5.29.17"]!.RawData, ours.Extensions["2.5.29.17"]!.RawData);
        Assert.True(SmkiDeviceCertificate.TryReadDeviceId(theirs, out var named) && named == Meter);
    }

    [Fact]
    public void Each_Device_gets_its_own_key_pairs_issued_by_the_Device_CA_and_kept_owner_only()
    {
        var store = DeviceKeyStore.Open(Store);
        var credentials = store.Ensure(Meter, out var issued);
        Assert.True(issued);
        Assert.NotNull(credentials.DigitalSigningKey);
        Assert.NotNull(credentials.KeyAgreementKey);

        var data = RandomNumberGenerator.GetBytes(64);
        var signature = credentials.DigitalSigningKey!.SignData(data, HashAlgorithmName.SHA256);
        using (var verifier = credentials.DigitalSigningCertificate.GetECDsaPublicKey()!)
            Assert.True(verifier.VerifyData(data, signature, HashAlgorithmName.SHA256));
        using (var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256))
        using (var devicePublic = credentials.KeyAgreementCertificate.GetECDiffieHellmanPublicKey()!)
            Assert.Equal(credentials.KeyAgreementKey!.DeriveRawSecretAgreement(peer.PublicKey), peer.DeriveRawSecretAgreement(devicePublic.PublicKey));
        Assert.NotEqual(credentials.DigitalSigningCertificate.PublicKey.EncodedKeyValue.RawData, credentials.KeyAgreementCertificate.PublicKey.EncodedKeyValue.RawData);
        Assert.NotEqual(credentials.DigitalSigningCertificate.PublicKey.EncodedKeyValue.RawData,
            store.Ensure(Eui.Parse("00-DB-12-34-56-78-90-A1")).DigitalSigningCertificate.PublicKey.EncodedKeyValue.RawData);

        foreach (var certificate in new[] { credentials.DigitalSigningCertificate, credentials.KeyAgreementCertificate })
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(store.DeviceCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            // A Device Certificate names no key purpose the platform checks; the chain is what matters.
            Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
            Assert.Equal(store.DeviceCa.SubjectName.Name, certificate.IssuerName.Name);
        }

        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(ownerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(Store));
            Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(Store, "00db1234567890a0.pem")));
            Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(Store, DeviceKeyStore.CaFileName)));
        }
        Assert.DoesNotContain(Directory.EnumerateFiles(Store), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void A_store_opened_again_or_by_another_process_holds_the_same_keys_and_finds_certificates_by_serial()
    {
        var first = DeviceKeyStore.Open(Store).Ensure(Meter);
        var again = DeviceKeyStore.Open(Store);
        Assert.Equal(first.DigitalSigningCertificate.RawData, again.Find(Meter)!.DigitalSigningCertificate.RawData);
        again.Ensure(Meter, out var issued);
        Assert.False(issued);

        var other = DeviceKeyStore.Open(Store);
        var serial = new BigInteger(first.KeyAgreementCertificate.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true);
        Assert.Equal(first.KeyAgreementCertificate.RawData, other.FindCertificate(serial)!.RawData);
        Assert.Null(other.FindCertificate(serial + 1));
        Assert.Null(other.Find(Eui.Parse("00-DB-12-34-56-78-90-FF")));
    }

    [Fact]
    public void A_key_folder_that_provides_a_Device_s_keys_is_used_instead_of_issuing()
    {
        var provided = Path.Combine(_folder, "keys");
        Directory.CreateDirectory(provided);
        var elsewhere = DeviceKeyStore.Open(Path.Combine(_folder, "elsewhere")).Ensure(Meter);
        Provide(provided, elsewhere);

        var store = DeviceKeyStore.Open(Store, KeyStore.Load(provided));
        var credentials = store.Ensure(Meter, out var issued);
        Assert.False(issued);
        Assert.Equal(elsewhere.DigitalSigningCertificate.RawData, credentials.DigitalSigningCertificate.RawData);
        Assert.Equal(elsewhere.KeyAgreementCertificate.RawData, credentials.KeyAgreementCertificate.RawData);
        Assert.False(File.Exists(Path.Combine(Store, "00db1234567890a0.pem")));
    }

    [Fact]
    public void Certificates_without_private_keys_in_the_key_folder_do_not_make_a_Device_one_is_issued()
    {
        // The RTDS key store holds the RTDS Devices' certificates only, as a User has them.
        var store = DeviceKeyStore.Open(Store, KeyStore.Load(RepoPaths.ReferencePath("rtds-gbcs", "keystore")));
        var credentials = store.Ensure(Meter, out var issued);
        Assert.True(issued);
        Assert.NotEqual(Reference("00db1234567890a0-ds.pem").RawData, credentials.DigitalSigningCertificate.RawData);
    }

    [Fact]
    public void A_provided_key_that_does_not_match_its_certificate_is_refused_naming_the_file()
    {
        var provided = Path.Combine(_folder, "keys");
        Directory.CreateDirectory(provided);
        var a = DeviceKeyStore.Open(Path.Combine(_folder, "a")).Ensure(Meter);
        var b = DeviceKeyStore.Open(Path.Combine(_folder, "b")).Ensure(Meter);
        File.WriteAllText(Path.Combine(provided, "00db1234567890a0-ds.pem"), a.DigitalSigningCertificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(provided, "00db1234567890a0-ds.key"), b.DigitalSigningKey!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(provided, "00db1234567890a0-ka.pem"), a.KeyAgreementCertificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(provided, "00db1234567890a0-ka.key"), a.KeyAgreementKey!.ExportPkcs8PrivateKeyPem());

        var e = Assert.Throws<InvalidDataException>(() => DeviceKeyStore.Open(Store, KeyStore.Load(provided)).Find(Meter));
        Assert.Contains("00db1234567890a0-ds.pem", e.Message);
        Assert.Contains("does not match", e.Message);
    }

    [Fact]
    public void A_certificate_for_another_Device_is_refused()
    {
        var provided = Path.Combine(_folder, "keys");
        Directory.CreateDirectory(provided);
        Provide(provided, DeviceKeyStore.Open(Path.Combine(_folder, "other")).Ensure(Eui.Parse("00-DB-12-34-56-78-90-A1")));
        var e = Assert.Throws<InvalidDataException>(() => DeviceKeyStore.Open(Store, KeyStore.Load(provided)).Find(Meter));
        Assert.Contains("00-DB-12-34-56-78-90-A1", e.Message);
    }

    [Fact]
    public void A_damaged_Device_file_is_refused_with_its_path()
    {
        var store = DeviceKeyStore.Open(Store);
        File.WriteAllText(Path.Combine(Store, "00db1234567890a0.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        var e = Assert.Throws<InvalidDataException>(() => store.Find(Meter));
        Assert.Contains("00db1234567890a0.pem", e.Message);
    }

    /// <summary>Writes <paramref name="credentials"/> into <paramref name="folder"/> as the Meter's, in the RTDS key store layout.</summary>
    private static void Provide(string folder, DeviceCredentials credentials)
    {
        foreach (var (suffix, certificate, key) in new[]
                 {
                     ("ds", credentials.DigitalSigningCertificate, (AsymmetricAlgorithm)credentials.DigitalSigningKey!),
                     ("ka", credentials.KeyAgreementCertificate, credentials.KeyAgreementKey!),
                 })
        {
            File.WriteAllText(Path.Combine(folder, $"00db1234567890a0-{suffix}.pem"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(folder, $"00db1234567890a0-{suffix}.key"), key.ExportPkcs8PrivateKeyPem());
        }
    }

    [Fact]
    public void The_Device_CA_is_a_CA_for_the_Device_Certificate_policy()
    {
        var ca = DeviceKeyStore.Open(Store).DeviceCa;
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var policies = new AsnReader(ca.Extensions["2.5.29.32"]!.RawData, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        Assert.Equal(SmkiDeviceCertificate.PolicyOid, policies.ReadObjectIdentifier());
        Assert.Equal(ca.RawData, DeviceKeyStore.Open(Store).DeviceCa.RawData);
    }

    [Fact]
    public void Each_Device_s_Alert_counter_rises_by_one_per_Alert_and_survives_a_reopen_and_two_stores_at_once()
    {
        var other = Eui.Parse("00-DB-12-34-56-78-90-A1");
        var counters = DeviceKeyStore.Open(Store).AlertCounters;
        Assert.Equal(1UL, counters.Next(Meter));
        Assert.Equal(2UL, counters.Next(Meter));
        Assert.Equal(1UL, counters.Next(other));

        // A restart (the store opened again) goes on from the last counter; two stores on one folder never repeat one.
        var first = DeviceKeyStore.Open(Store).AlertCounters;
        var second = DeviceKeyStore.Open(Store).AlertCounters;
        var handed = new System.Collections.Concurrent.ConcurrentBag<ulong>();
        Parallel.For(0, 40, i => handed.Add((i % 2 == 0 ? first : second).Next(Meter)));
        Assert.Equal(Enumerable.Range(3, 40).Select(i => (ulong)i), handed.Order());
        Assert.Equal(43UL, DeviceKeyStore.Open(Store).AlertCounters.Next(Meter));

        var file = new FileDeviceAlertCounters(Path.Combine(_folder, "device-keys")).PathOf(Meter);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public void A_damaged_Alert_counter_file_is_refused_naming_the_file()
    {
        var counters = new FileDeviceAlertCounters(Directory.CreateDirectory(Store).FullName);
        File.WriteAllText(counters.PathOf(Meter), "twelve\n");
        var error = Assert.Throws<InvalidDataException>(() => counters.Next(Meter));
        Assert.Equal($"{counters.PathOf(Meter)}: the Device's last Alert counter is not a whole number ('twelve').", error.Message);
    }
}
