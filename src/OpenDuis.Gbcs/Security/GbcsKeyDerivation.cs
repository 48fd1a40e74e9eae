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
        Span<byte> input = stackalloc byte[4 + 32 + 7 + 8 + 2 + 8 + 8];
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(input, 1); // the KDF's counter: one SHA-256 block is enough for 128 bits
            secret.CopyTo(input[4..]);
            var info = input[(4 + secret.Length)..];
            AlgorithmId.CopyTo(info);
            BinaryPrimitives.WriteUInt64BigEndian(info[7..], originator.Value);
            info[15] = 0x09;
            info[16] = (byte)purpose;
            BinaryPrimitives.WriteUInt64BigEndian(info[17..], counter);
            BinaryPrimitives.WriteUInt64BigEndian(info[25..], recipient.Value);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(input[..(4 + secret.Length + 33)], hash);
            return hash[..KeyLength].ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            CryptographicOperations.ZeroMemory(input);
        }
    }
}
