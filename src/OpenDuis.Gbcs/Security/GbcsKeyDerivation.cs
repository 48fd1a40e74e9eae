using System.Buffers.Binary;
using System.Security.Cryptography;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs.Security;

/// <summary>
/// What a GBCS symmetric key is for (GBCS 4.3.3.3): the value that stands in the CRA Flag position
/// of the Transaction ID in the KDF's OtherInfo, so that one key agreement gives one key per purpose.
/// </summary>
public enum GbcsKeyPurpose : byte
{
    Command = 0x01,
    Response = 0x02,
    Alert = 0x03,
    Encryption = 0x04,
}

/// <summary>
/// GBCS key derivation (GBCS 4.3.3.3, R-GBCS-1): the NIST SP800-56A concatenation KDF with SHA-256 over
/// the static-static ECDH (P-256) secret of the two parties' key-agreement keys, one pass, the first
/// 16 octets an AES-128 key. OtherInfo = AlgorithmID ‖ originator system title ‖ transaction ID
/// (0x09, purpose, originator counter) ‖ recipient system title. ECDH is symmetric: the Device with
/// the Remote Party's certificate derives what the Remote Party derives with the Device's.
/// </summary>
internal static class GbcsKeyDerivation
{
    /// <summary>GBCS's AlgorithmID in OtherInfo (GBCS 4.3.3.3): the encoded object identifier of its ECDH + AES-128-GCM suite.</summary>
    private static ReadOnlySpan<byte> AlgorithmId => [0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00];

    public const int KeyLength = 16;

    public static byte[] Derive(ECDiffieHellman own, ECDiffieHellman other, GbcsKeyPurpose purpose, Eui originator, ulong counter, Eui recipient)
    {
        var secret = own.DeriveRawSecretAgreement(other.PublicKey);
        try
        {
            return Derive(secret, purpose, originator, counter, recipient);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>The key from an ECDH secret already agreed (a static-static secret is the same for every message between two parties).</summary>
    public static byte[] Derive(ReadOnlySpan<byte> secret, GbcsKeyPurpose purpose, Eui originator, ulong counter, Eui recipient)
    {
        Span<byte> input = stackalloc byte[4 + 32 + 33];
        if (secret.Length != 32) throw new ArgumentException("A P-256 ECDH secret is 32 octets.", nameof(secret));
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(input, 1); // the KDF's counter: one SHA-256 block is enough for 128 bits
            secret.CopyTo(input[4..]);
            var info = input[36..];
            AlgorithmId.CopyTo(info);
            BinaryPrimitives.WriteUInt64BigEndian(info[7..], originator.Value);
            info[15] = 0x09;
            info[16] = (byte)purpose;
            BinaryPrimitives.WriteUInt64BigEndian(info[17..], counter);
            BinaryPrimitives.WriteUInt64BigEndian(info[25..], recipient.Value);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(input, hash);
            return hash[..KeyLength].ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }
}

/// <summary>
/// Two parties' static-static key agreement (one's private key, the other's public key), its ECDH
/// secret computed once: every MAC and encryption key between them then costs one SHA-256. An
/// emulated Device keeps one per Remote Party it talks to.
/// </summary>
public sealed class GbcsKeyAgreement
{
    private readonly byte[] _secret;

    public GbcsKeyAgreement(ECDiffieHellman own, ECDiffieHellman other) => _secret = own.DeriveRawSecretAgreement(other.PublicKey);

    internal byte[] Key(GbcsKeyPurpose purpose, Eui originator, ulong counter, Eui recipient) =>
        GbcsKeyDerivation.Derive(_secret, purpose, originator, counter, recipient);
}
