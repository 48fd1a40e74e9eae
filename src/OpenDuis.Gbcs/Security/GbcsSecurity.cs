using System.Buffers.Binary;
using System.Security.Cryptography;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs.Security;

/// <summary>
/// GBCS message security (GBCS 4.3, REQUIREMENTS R-GBCS-1..3): the MAC of the General Ciphering
/// wrapper, the AES-128-GCM encryption of the payloads GBCS encrypts, and the ECDSA P-256 signature
/// of the General Signing APDU. Keys come from the two parties' key-agreement keys: pass one party's
/// private key and the other's public key (ECDH is symmetric, so either side computes the same).
/// </summary>
public static class GbcsSecurity
{
    /// <summary>GBCS MACs are the first 12 octets of the GCM tag (GBCS 4.3.2).</summary>
    public const int MacLength = 12;

    /// <summary>The security header of an encrypted payload: authenticated and encrypted (0x31), invocation counter.</summary>
    internal const byte EncryptedSecurityControl = 0x31;

    private const byte MacSecurityControl = 0x11;
    private const int SegmentOverhead = 5 + MacLength;

    /// <summary>The MAC key for a message: its CRA Flag's purpose, its own originator, counter and recipient.</summary>
    public static byte[] MacKey(GbcsMessage message, ECDiffieHellman own, ECDiffieHellman other) =>
        MacKey(message, new GbcsKeyAgreement(own, other));

    /// <inheritdoc cref="MacKey(GbcsMessage, ECDiffieHellman, ECDiffieHellman)"/>
    public static byte[] MacKey(GbcsMessage message, GbcsKeyAgreement agreement) =>
        agreement.Key((GbcsKeyPurpose)message.Cra, message.Originator, message.OriginatorCounter, message.Recipient);

    /// <summary>
    /// The encryption key for a message's encrypted payloads (GBCS 4.3.3.3): purpose Encryption, the
    /// Supplementary Originator Counter and Supplementary Remote Party ID when the other-information
    /// carries them (a response to a command the DCC sent on a User's behalf), else the header's.
    /// </summary>
    public static byte[] EncryptionKey(GbcsMessage message, ECDiffieHellman own, ECDiffieHellman other) =>
        EncryptionKey(message, new GbcsKeyAgreement(own, other));

    /// <inheritdoc cref="EncryptionKey(GbcsMessage, ECDiffieHellman, ECDiffieHellman)"/>
    public static byte[] EncryptionKey(GbcsMessage message, GbcsKeyAgreement agreement)
    {
        var (party, counter) = EncryptionParty(message);
        return agreement.Key(GbcsKeyPurpose.Encryption, message.Originator, counter, party);
    }

    /// <summary>The Remote Party an encrypted payload is for: the Supplementary Remote Party ID, else the recipient.</summary>
    public static Eui EncryptionRecipient(GbcsMessage message) => EncryptionParty(message).Party;

    private static (Eui Party, ulong Counter) EncryptionParty(GbcsMessage message)
    {
        var other = message.OtherInformation.Span;
        var party = other.Length >= 8 ? new Eui(BinaryPrimitives.ReadUInt64BigEndian(other)) : message.Recipient;
        var counter = other.Length >= 24 ? BinaryPrimitives.ReadUInt64BigEndian(other[16..]) : message.OriginatorCounter;
        return (party, counter);
    }

    /// <summary>The message MAC-wrapped (General Ciphering, invocation counter 0), its MAC computed with <paramref name="key"/>.</summary>
    public static byte[] WriteWithMac(GbcsMessage message, ReadOnlySpan<byte> key)
    {
        var generalSigning = message.WriteSigned();
        var tag = new byte[MacLength];
        ComputeMac(key, message.Originator, generalSigning, tag);
        return (message with { Mac = new GbcsMac(0, tag) }).Write();
    }

    /// <summary>The message MAC-wrapped, keyed by the two parties' key-agreement keys.</summary>
    public static byte[] WriteWithMac(GbcsMessage message, ECDiffieHellman own, ECDiffieHellman other) =>
        WriteWithMac(message, MacKey(message, own, other));

    /// <inheritdoc cref="WriteWithMac(GbcsMessage, ECDiffieHellman, ECDiffieHellman)"/>
    public static byte[] WriteWithMac(GbcsMessage message, GbcsKeyAgreement agreement) =>
        WriteWithMac(message, MacKey(message, agreement));

    /// <summary>Whether the MAC of a MAC-wrapped message (its octets as received) verifies with <paramref name="key"/>.</summary>
    public static bool MacVerifies(ReadOnlySpan<byte> wire, GbcsMessage message, ReadOnlySpan<byte> key)
    {
        if (message.Mac is null) return false;
        var frame = GbcsFrame.Of(wire, message);
        Span<byte> tag = stackalloc byte[MacLength];
        ComputeMac(key, message.Originator, frame.GeneralSigning, tag);
        return CryptographicOperations.FixedTimeEquals(tag, frame.Mac);
    }

    /// <summary>
    /// R-GBCS-1: GCM with no plaintext; IV = originator system title ‖ 00000000; additional data =
    /// 0x11 ‖ five 0x00 octets ‖ the General Signing APDU (as all 316 RTDS 4.5.0 MACs are made).
    /// </summary>
    internal static void ComputeMac(ReadOnlySpan<byte> key, Eui originator, ReadOnlySpan<byte> generalSigning, Span<byte> tag)
    {
        var aad = new byte[6 + generalSigning.Length];
        aad[0] = MacSecurityControl;
        generalSigning.CopyTo(aad.AsSpan(6));
        using var gcm = new AesGcm(key, MacLength);
        gcm.Encrypt(Iv(originator), [], [], tag, aad);
    }

    /// <summary>
    /// Signs a message with a digital-signing key (R-GBCS-3): ECDSA P-256 with SHA-256 over the General
    /// Signing APDU after its tag, up to the end of the content; the signature r ‖ s (64 octets).
    /// </summary>
    public static GbcsMessage Sign(GbcsMessage message, ECDsa key)
    {
        var unsigned = (message with { Signature = null, Mac = null }).WriteSigned();
        var signature = key.SignData(unsigned.AsSpan(1), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return message with { Signature = signature };
    }

    /// <summary>Whether the message (its octets as received) carries a signature that verifies with <paramref name="publicKey"/>.</summary>
    public static bool SignatureVerifies(ReadOnlySpan<byte> wire, GbcsMessage message, ECDsa publicKey)
    {
        if (message.Signature is not { Length: 64 } signature) return false;
        var frame = GbcsFrame.Of(wire, message);
        return publicKey.VerifyData(frame.SignedData, signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// Encrypts a payload as GBCS does (R-GBCS-2): 0x31 ‖ invocation counter 0 ‖ AES-128-GCM ciphertext ‖
    /// 12-octet tag; IV = originator system title ‖ 00000000, additional data the security control octet.
    /// </summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> key, Eui originator)
    {
        var segment = new byte[plaintext.Length + SegmentOverhead];
        segment[0] = EncryptedSecurityControl;
        using var gcm = new AesGcm(key, MacLength);
        gcm.Encrypt(Iv(originator), plaintext, segment.AsSpan(5, plaintext.Length), segment.AsSpan(^MacLength), [EncryptedSecurityControl]);
        return segment;
    }

    /// <summary>Decrypts an encrypted payload (its security header, ciphertext and tag); false when it does not authenticate.</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> segment, ReadOnlySpan<byte> key, Eui originator, out byte[] plaintext)
    {
        plaintext = [];
        if (segment.Length < SegmentOverhead || segment[0] != EncryptedSecurityControl) return false;
        var decrypted = new byte[segment.Length - SegmentOverhead];
        using var gcm = new AesGcm(key, MacLength);
        try
        {
            gcm.Decrypt(Iv(originator), segment[5..^MacLength], segment[^MacLength..], decrypted, segment[..1]);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        plaintext = decrypted;
        return true;
    }

    private static byte[] Iv(Eui originator)
    {
        var iv = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(iv, originator.Value);
        return iv;
    }
}
