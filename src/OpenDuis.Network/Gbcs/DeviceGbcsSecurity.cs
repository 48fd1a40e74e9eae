using System.Collections.Concurrent;
using System.Security.Cryptography;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Gbcs;

/// <summary>What a Device finds of the Remote Party's signature on a Critical command; the refusals are the GBCS Alert Codes of the Alert it sends instead of executing it.</summary>
public enum RemotePartySignatureCheck : ushort
{
    Valid = 0,
    /// <summary>0x8F3D Trusted Source Authentication Failure: the signature does not verify with the Remote Party's certificate the Device holds.</summary>
    NotAuthentic = 0x8F3D,
    /// <summary>0x8F30 Source Does not have Authority for Command: the Device holds no certificate of the signer (as the RTDS GCA alert carries it).</summary>
    NotTrusted = 0x8F30,
}

/// <summary>
/// GBCS security as the emulated devices and the DCC apply it on the SM WAN (R-GBCS-1..3): responses
/// and alerts MAC'd by the Device's and the recipient's key-agreement keys, responses to Critical
/// commands signed by the Device instead, commands MAC'd by the Access Control Broker's and the
/// Device's keys, and the Remote Party's signature on a Critical command checked against the Remote
/// Party certificates the Device trusts. The ECDH secret of each pair of parties is computed once.
/// Where a key is not held (a key folder without the User's key-agreement certificate) the message
/// carries a stand-in MAC instead, which no User can verify.
/// </summary>
public sealed class DeviceGbcsSecurity(IGbcsKeys organisations, IDeviceCredentials devices, Eui accessControlBroker)
{
    /// <summary>The Devices' Alert Originator Counters: the Device key store's (durable) where it keeps them, else in memory.</summary>
    public IDeviceAlertCounters AlertCounters { get; } = devices as IDeviceAlertCounters ?? new InMemoryDeviceAlertCounters();

    private readonly ConcurrentDictionary<(Eui Own, Eui Other), GbcsKeyAgreement?> _agreements = new();

    /// <summary>Device keys: the in-memory ones, unless a Device key store is given.</summary>
    public IDeviceCredentials Devices => devices;

    /// <summary>
    /// A Device's response or alert as sent: MAC-wrapped (keyed Device ↔ recipient), or for a response
    /// to a Critical command signed by the Device's digital-signing key and not MAC-wrapped (as the RTDS
    /// 4.5.0 responses to Critical commands are).
    /// </summary>
    public byte[] FromDevice(GbcsMessage message, bool toCriticalCommand, Func<ReadOnlyMemory<byte>, byte[]?>? plaintextOf = null)
    {
        message = Encrypted(message, plaintextOf);
        if (toCriticalCommand && devices.Find(message.Originator)?.DigitalSigningKey is { } signing)
            return GbcsSecurity.Sign(message with { Mac = null }, signing).WriteSigned();
        var unsigned = message with { Signature = ReadOnlyMemory<byte>.Empty };
        return Agreement(message.Originator, message.Recipient, deviceOwn: true) is { } agreement
            ? GbcsSecurity.WriteWithMac(unsigned, agreement)
            : (unsigned with { Mac = StandInMac(message.OriginatorCounter) }).Write();
    }

    /// <summary>
    /// The content with each payload GBCS encrypts (R-GBCS-2) encrypted under this Device's and the Remote
    /// Party's encryption key. Content a Device replays (an RTDS response) carries its payloads encrypted
    /// under other keys: their plaintext comes from <paramref name="plaintextOf"/>; where it is not known
    /// the octets in place are taken as the plaintext, so the payload still authenticates.
    /// </summary>
    private GbcsMessage Encrypted(GbcsMessage message, Func<ReadOnlyMemory<byte>, byte[]?>? plaintextOf)
    {
        var segments = GbcsEncryptedPayloads.Find(message);
        if (segments.Count == 0) return message;
        var party = GbcsSecurity.EncryptionRecipient(message);
        if (Agreement(message.Originator, party, deviceOwn: true) is not { } agreement) return message;
        var key = GbcsSecurity.EncryptionKey(message, agreement);
        var content = message.Content.ToArray();
        foreach (var (offset, length) in segments)
        {
            var segment = message.Content.Slice(offset, length);
            var plaintext = plaintextOf?.Invoke(segment) is { Length: var n } known && n == length - 17 ? known : segment.Span[5..^GbcsSecurity.MacLength].ToArray();
            GbcsSecurity.Encrypt(plaintext, key, message.Originator).CopyTo(content, offset);
        }
        return message with { Content = content };
    }

    /// <summary>A command the DCC sends to a Device: MAC-wrapped with the ACB's and the Device's key-agreement keys.</summary>
    public byte[] ToDevice(GbcsMessage command)
    {
        var unsigned = command.Signature is null ? command with { Signature = ReadOnlyMemory<byte>.Empty } : command;
        return Agreement(accessControlBroker, command.Recipient, deviceOwn: false) is { } agreement
            ? GbcsSecurity.WriteWithMac(unsigned, agreement)
            : (unsigned with { Mac = StandInMac(command.OriginatorCounter) }).Write();
    }

    /// <summary>
    /// The Device's check of the Remote Party's signature on a Critical command (its General Signing
    /// APDU as received): it verifies with a digital-signing certificate of the originator that the
    /// Device holds, or the Device discards the command and alerts (0x8F3D; 0x8F30 when it holds no certificate of the signer).
    /// </summary>
    public RemotePartySignatureCheck CheckRemotePartySignature(ReadOnlySpan<byte> generalSigning, GbcsMessage command)
    {
        var trusted = organisations.Find(command.Originator, GbcsKeyUsage.DigitalSigning);
        if (trusted.Count == 0) return RemotePartySignatureCheck.NotTrusted;
        if (command.Signature is not { Length: 64 }) return RemotePartySignatureCheck.NotAuthentic;
        foreach (var key in trusted)
            if (GbcsSecurity.SignatureVerifies(generalSigning, command, key.Signing!)) return RemotePartySignatureCheck.Valid;
        return RemotePartySignatureCheck.NotAuthentic;
    }

    /// <summary>The key agreement between a Device and a Remote Party, from whichever side holds the private key here; null when none can be made.</summary>
    private GbcsKeyAgreement? Agreement(Eui a, Eui b, bool deviceOwn) =>
        _agreements.GetOrAdd((a, b), static (pair, state) =>
        {
            var (self, deviceOwn) = state;
            var (device, party) = deviceOwn ? (pair.Own, pair.Other) : (pair.Other, pair.Own);
            var credentials = self.Devices.Find(device);
            var remote = self.Organisations.Find(party, GbcsKeyUsage.KeyAgreement);
            if (deviceOwn)
            {
                if (credentials?.KeyAgreementKey is not { } own || remote.Count == 0) return null;
                return new GbcsKeyAgreement(own, remote[0].Agreement!);
            }
            if (credentials is null || remote.FirstOrDefault(k => k.HasPrivateKey) is not { } acb) return null;
            using var devicePublic = credentials.KeyAgreementCertificate.GetECDiffieHellmanPublicKey()!;
            return new GbcsKeyAgreement(acb.Agreement!, devicePublic);
        }, (this, deviceOwn));

    private IGbcsKeys Organisations => organisations;

    /// <summary>
    /// The tag used where no key agreement can be made: the first 12 octets of SHA-256 over the counter,
    /// deterministic, and not a MAC any receiver can verify.
    /// </summary>
    internal static GbcsMac StandInMac(ulong counter)
    {
        Span<byte> input = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(input, counter);
        return new GbcsMac(0, SHA256.HashData(input)[..12]);
    }
}
