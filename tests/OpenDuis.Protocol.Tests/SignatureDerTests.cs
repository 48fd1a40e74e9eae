using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Protocol.Tests;

/// <summary>The P1363 → DER re-encoding <see cref="OrganisationCertificate.VerifyHash"/> hands to OpenSSL, against the ASN.1 writer's.</summary>
public class SignatureDerTests
{
    private static byte[] Expected(ReadOnlySpan<byte> p1363)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(p1363[..32], isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(p1363[32..], isUnsigned: true, isBigEndian: true));
        }
        return writer.Encode();
    }

    public static TheoryData<string> Pairs() => new()
    {
        "random", "leading zero octets", "high bit set", "both zero", "r zero, s full", "single low octet",
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void The_DER_form_is_the_ASN1_writers(string shape)
    {
        var pair = new byte[64];
        switch (shape)
        {
            case "random": RandomNumberGenerator.Fill(pair); break;
            case "leading zero octets": RandomNumberGenerator.Fill(pair); pair[0] = pair[1] = pair[32] = 0; pair[33] = 0x05; break;
            case "high bit set": RandomNumberGenerator.Fill(pair); pair[0] |= 0x80; pair[32] |= 0x80; break;
            case "both zero": break;
            case "r zero, s full": pair.AsSpan(32).Fill(0xFF); break;
            case "single low octet": pair[31] = 1; pair[63] = 0x7F; break;
        }
        var der = new byte[72];
        Assert.True(OrganisationCertificate.TryDer(pair, der, out var length));
        Assert.Equal(Expected(pair), der[..length]);
    }

    [Fact]
    public void Only_a_P256_pair_is_re_encoded()
    {
        var der = new byte[72];
        Assert.False(OrganisationCertificate.TryDer(new byte[63], der, out _));
        Assert.False(OrganisationCertificate.TryDer(new byte[66], der, out _));
    }

    [Fact]
    public void A_signature_verifies_in_its_DER_form_as_in_its_fixed_field_form()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var hash = SHA256.HashData("OpenDUIS"u8);
        for (var i = 0; i < 200; i++)
        {
            var pair = key.SignHash(hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            var der = new byte[72];
            Assert.True(OrganisationCertificate.TryDer(pair, der, out var length));
            Assert.True(key.VerifyHash(hash, der.AsSpan(0, length), DSASignatureFormat.Rfc3279DerSequence));
            pair[^1] ^= 1;
            Assert.True(OrganisationCertificate.TryDer(pair, der, out length));
            Assert.False(key.VerifyHash(hash, der.AsSpan(0, length), DSASignatureFormat.Rfc3279DerSequence));
        }
    }
}
