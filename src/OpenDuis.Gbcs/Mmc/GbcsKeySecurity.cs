using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// Parse's checks with keys (a key folder: <see cref="GbcsKeyring.Load"/>): the MAC, the Device's
/// signature and every encrypted payload must verify (GBCS 4.3) before a document is rendered; a key
/// not held is said, not passed over.
/// </summary>
public sealed class GbcsKeySecurity(IGbcsKeys keys) : IGbcsMessageSecurity
{
    // Responses and alerts are keyed by the Device and their recipient; the Access Control Broker keys only commands, which Parse does not render.
    private readonly GbcsVerifier _verifier = new(keys, default);

    public GbcsOpening Open(ReadOnlySpan<byte> wire)
    {
        if (!_verifier.TryVerify(wire, out var verification, out var problem)) return new(problem, []);
        var failed = new List<string>();
        if (verification!.Mac.Failed) failed.Add(verification.Mac.Detail);
        if (verification.Signature.Failed) failed.Add(verification.Signature.Detail);
        failed.AddRange(verification.Encrypted.Where(e => e.Failed).Select(e => e.Detail));
        return failed.Count > 0 ? new(string.Join("; ", failed), []) : new(null, verification.Plaintexts);
    }
}
