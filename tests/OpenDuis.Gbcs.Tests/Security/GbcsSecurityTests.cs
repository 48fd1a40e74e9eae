using System.Security.Cryptography;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests.Security;

public class GbcsSecurityTests
{
    private static readonly Eui Device = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");

    private static GbcsMessage Response(ulong counter = 0x1_0000_0000) =>
        new(CraFlag.Response, counter, Device, Supplier, null, 0x0027, new byte[] { 0xDA, 1, 2, 3 }, null, null);

    [Fact]
    public void The_KDF_gives_the_published_response_key_for_the_RTDS_supplier_and_device()
    {
        // The ZAZ1 supplier KA key and the RTDS Device 00-DB-..-A0 KA certificate: the response key for
        // originator counter 0x0000000100000000 is 03FD3081... (the value SmartDCC's gbcs-parser tests publish).
        var keys = GbcsKeyring.Load(RepoPaths.ReferencePath("rtds-gbcs", "keystore"));
        var supplier = keys.Find(Supplier, GbcsKeyUsage.KeyAgreement).First(k => k.HasPrivateKey);
        var device = keys.Find(Device, GbcsKeyUsage.KeyAgreement).Single();
        var key = GbcsKeyDerivation.Derive(supplier.Agreement!, device.Agreement!, GbcsKeyPurpose.Response, Device, 0x1_0000_0000, Supplier);
        Assert.Equal("03FD30815577C49EB7E3834B63EF8302", Convert.ToHexString(key));
    }

    [Fact]
    public void Both_parties_derive_the_same_key_and_a_MAC_one_makes_the_other_verifies()
    {
        using var deviceKa = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var userKa = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var message = Response();
        var wire = GbcsSecurity.WriteWithMac(message, deviceKa, userKa);
        var received = GbcsMessage.Read(wire);
        Assert.True(GbcsSecurity.MacVerifies(wire, received, GbcsSecurity.MacKey(received, userKa, deviceKa)));
        // keyed for another purpose (the alert key) it does not
        var alertKey = GbcsKeyDerivation.Derive(userKa, deviceKa, GbcsKeyPurpose.Alert, Device, message.OriginatorCounter, Supplier);
        Assert.False(GbcsSecurity.MacVerifies(wire, received, alertKey));
        wire[^13] ^= 0x80; // the last content octet
        Assert.False(GbcsSecurity.MacVerifies(wire, GbcsMessage.Read(wire), GbcsSecurity.MacKey(received, userKa, deviceKa)));
    }

    [Fact]
    public void A_signature_verifies_with_the_signers_public_key_only()
    {
        using var deviceDs = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signed = GbcsSecurity.Sign(Response(), deviceDs);
        Assert.Equal(64, signed.Signature!.Value.Length);
        var wire = signed.Write();
        Assert.True(GbcsSecurity.SignatureVerifies(wire, GbcsMessage.Read(wire), deviceDs));
        Assert.False(GbcsSecurity.SignatureVerifies(wire, GbcsMessage.Read(wire), other));
        // signed and MAC-wrapped: the signature still covers only the General Signing APDU
        using var a = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var b = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var wrapped = GbcsSecurity.WriteWithMac(signed, a, b);
        Assert.True(GbcsSecurity.SignatureVerifies(wrapped, GbcsMessage.Read(wrapped), deviceDs));
    }

    [Fact]
    public void An_encrypted_payload_decrypts_with_the_encryption_key_and_not_when_changed()
    {
        var key = RandomNumberGenerator.GetBytes(16);
        var segment = GbcsSecurity.Encrypt("register values"u8, key, Device);
        Assert.Equal(0x31, segment[0]);
        Assert.True(GbcsSecurity.TryDecrypt(segment, key, Device, out var plaintext));
        Assert.Equal("register values"u8.ToArray(), plaintext);
        Assert.False(GbcsSecurity.TryDecrypt(segment, key, Supplier, out _)); // the IV is the originator's
        segment[7] ^= 1;
        Assert.False(GbcsSecurity.TryDecrypt(segment, key, Device, out _));
        Assert.False(GbcsSecurity.TryDecrypt(segment.AsSpan(0, 10), key, Device, out _));
    }

    [Fact]
    public void The_encryption_key_takes_the_supplementary_remote_party_and_originator_counter()
    {
        var other = new byte[24];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(other, 0x90B3D51F30020000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(other.AsSpan(16), 77);
        var message = Response() with { OtherInformation = other };
        Assert.Equal(Eui.Parse("90-B3-D5-1F-30-02-00-00"), GbcsSecurity.EncryptionRecipient(message));
        Assert.Equal(Supplier, GbcsSecurity.EncryptionRecipient(Response()));
    }
}
