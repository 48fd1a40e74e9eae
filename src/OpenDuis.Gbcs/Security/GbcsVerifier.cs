using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs.Security;

/// <summary>The outcome of one GBCS security check.</summary>
public enum GbcsVerdict
{
    /// <summary>The check passed.</summary>
    Valid,
    /// <summary>The message carries no such protection (no MAC header, no signature, nothing encrypted).</summary>
    Absent,
    /// <summary>The MAC, signature or encrypted payload does not verify.</summary>
    Invalid,
    /// <summary>The key or certificate needed is not held.</summary>
    KeyMissing,
}

/// <summary>One check's verdict and a sentence saying what was checked with which keys.</summary>
public sealed record GbcsCheck(GbcsVerdict Verdict, string Detail)
{
    public bool Failed => Verdict is GbcsVerdict.Invalid or GbcsVerdict.KeyMissing;
}

/// <summary>What a User's checks of a GBCS message found, and the plaintext of its encrypted payloads (in content order).</summary>
public sealed record GbcsVerification(GbcsMessage Message, GbcsCheck Mac, GbcsCheck Signature, IReadOnlyList<GbcsCheck> Encrypted, IReadOnlyList<byte[]> Plaintexts)
{
    public bool Failed => Mac.Failed || Signature.Failed || Encrypted.Any(e => e.Failed);
}

/// <summary>
/// Checks a GBCS message as its recipient (or anyone holding one party's private key) would: the MAC
/// (commands keyed by the Access Control Broker and the Device, R-GBCS-1; responses and alerts by the
/// Device and the recipient), the originator's signature, and the decryption of encrypted payloads.
/// </summary>
public sealed class GbcsVerifier(IGbcsKeys keys, Eui accessControlBroker)
{
    /// <summary>Checks a message given as octets; false with the reason when they are not a GBCS message.</summary>
    public bool TryVerify(ReadOnlySpan<byte> wire, out GbcsVerification? verification, out string? problem)
    {
        verification = null;
        if (!GbcsMessage.TryRead(wire, out var message, out problem)) return false;
        verification = Verify(wire, message);
        return true;
    }

    public GbcsVerification Verify(ReadOnlySpan<byte> wire, GbcsMessage message)
    {
        var mac = CheckMac(wire, message);
        var signature = CheckSignature(wire, message);
        var plaintexts = new List<byte[]>();
        var encrypted = CheckEncrypted(message, plaintexts);
        return new GbcsVerification(message, mac, signature, encrypted, plaintexts);
    }

    private GbcsCheck CheckMac(ReadOnlySpan<byte> wire, GbcsMessage message)
    {
        if (message.Mac is null) return new GbcsCheck(GbcsVerdict.Absent, "no MAC (General Signing only)");
        var (a, b) = message.Cra == CraFlag.Command ? (accessControlBroker, message.Recipient) : (message.Originator, message.Recipient);
        var pairs = Pairs(a, b);
        if (pairs.Count == 0) return Missing(a, b, "MAC");
        foreach (var (own, other) in pairs)
        {
            var key = GbcsSecurity.MacKey(message, own.Agreement!, other.Agreement!);
            if (GbcsSecurity.MacVerifies(wire, message, key))
                return new GbcsCheck(GbcsVerdict.Valid, $"MAC valid ({(GbcsKeyPurpose)message.Cra} key, {a} KA and {b} KA)");
        }
        return new GbcsCheck(GbcsVerdict.Invalid, $"MAC does not verify ({(GbcsKeyPurpose)message.Cra} key, {a} KA and {b} KA)");
    }

    private GbcsCheck CheckSignature(ReadOnlySpan<byte> wire, GbcsMessage message)
    {
        if (message.Signature is not { Length: > 0 } signature) return new GbcsCheck(GbcsVerdict.Absent, "no signature");
        if (signature.Length != 64) return new GbcsCheck(GbcsVerdict.Invalid, $"signature is {signature.Length} octets, not the 64 of ECDSA P-256 r‖s");
        var candidates = keys.Find(message.Originator, GbcsKeyUsage.DigitalSigning);
        if (candidates.Count == 0) return new GbcsCheck(GbcsVerdict.KeyMissing, $"no digital-signing certificate for the originator {message.Originator}");
        foreach (var key in candidates)
            if (GbcsSecurity.SignatureVerifies(wire, message, key.Signing!))
                return new GbcsCheck(GbcsVerdict.Valid, $"signature valid ({message.Originator} DS)");
        return new GbcsCheck(GbcsVerdict.Invalid, $"signature does not verify with {message.Originator} DS");
    }

    private List<GbcsCheck> CheckEncrypted(GbcsMessage message, List<byte[]> plaintexts)
    {
        var checks = new List<GbcsCheck>();
        var segments = GbcsEncryptedPayloads.Find(message);
        if (segments.Count == 0) return checks;
        var party = GbcsSecurity.EncryptionRecipient(message);
        var pairs = Pairs(message.Originator, party);
        var content = message.Content.Span;
        foreach (var (offset, length) in segments)
        {
            var where = $"encrypted payload at content offset {offset} ({length} octets)";
            if (pairs.Count == 0) { checks.Add(Missing(message.Originator, party, where)); continue; }
            byte[]? plaintext = null;
            foreach (var (own, other) in pairs)
            {
                var key = GbcsSecurity.EncryptionKey(message, own.Agreement!, other.Agreement!);
                if (GbcsSecurity.TryDecrypt(content.Slice(offset, length), key, message.Originator, out var p)) { plaintext = p; break; }
            }
            if (plaintext is null) checks.Add(new GbcsCheck(GbcsVerdict.Invalid, $"{where} does not decrypt with {message.Originator} KA and {party} KA"));
            else
            {
                plaintexts.Add(plaintext);
                checks.Add(new GbcsCheck(GbcsVerdict.Valid, $"{where} decrypted ({plaintext.Length} octets)"));
            }
        }
        return checks;
    }

    /// <summary>Every (private, public) key-agreement pair between the two parties that this holder can use.</summary>
    private List<(GbcsKey Own, GbcsKey Other)> Pairs(Eui a, Eui b)
    {
        var pairs = new List<(GbcsKey, GbcsKey)>();
        var aKeys = keys.Find(a, GbcsKeyUsage.KeyAgreement);
        var bKeys = keys.Find(b, GbcsKeyUsage.KeyAgreement);
        foreach (var own in bKeys.Where(k => k.HasPrivateKey))
            foreach (var other in aKeys) pairs.Add((own, other));
        foreach (var own in aKeys.Where(k => k.HasPrivateKey))
            foreach (var other in bKeys) pairs.Add((own, other));
        return pairs;
    }

    private GbcsCheck Missing(Eui a, Eui b, string what)
    {
        bool Has(Eui p, bool privateKey) => keys.Find(p, GbcsKeyUsage.KeyAgreement).Any(k => !privateKey || k.HasPrivateKey);
        var lacking = !Has(a, false) ? $"no key-agreement certificate for {a}"
            : !Has(b, false) ? $"no key-agreement certificate for {b}"
            : $"no key-agreement private key for {a} or {b}";
        return new GbcsCheck(GbcsVerdict.KeyMissing, $"{what} not checked: {lacking}");
    }
}
