using System.Xml;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// A User's check of the GBCS device traffic it receives (R-GBCS-1..3), for <c>listen</c> and <c>send --wait</c>: the
/// MAC with the User's own key-agreement private key and the Device's KA certificate, the Device's signature with its DS
/// certificate, each encrypted payload decrypted. The User's keys come from the key folder (or the data folder's keys),
/// the Devices' certificates (never their private keys) from the data folder's Device key store.
/// </summary>
internal sealed class ReceivedGbcs(GbcsVerifier verifier)
{
    /// <summary>
    /// The keys of <paramref name="keyFolder"/> (null: the data folder's) and the data folder's Device certificates (its
    /// database's on PostgreSQL, held for as long as the command runs).
    /// </summary>
    public static async Task<ReceivedGbcs> LoadAsync(DataFolder folder, string? keyFolder, CancellationToken cancellationToken)
    {
        var keys = folder.LoadKeys();
        var devices = Directory.Exists(folder.DeviceKeysPath) || folder.ReadSettings().Store == "postgres"
            ? new CertificatesOnly(await folder.OpenDeviceKeysAsync(keys, cancellationToken: cancellationToken))
            : null;
        var ring = keyFolder is null ? GbcsKeyring.From(keys, devices) : GbcsKeyring.Load(keyFolder, devices);
        return new ReceivedGbcs(new GbcsVerifier(ring, DemoKeySet.DspEui));
    }

    /// <summary>One line per GBCS payload the DUIS message carries (commands for a Device are named, not checked); whether every check passed.</summary>
    public (List<string> Lines, bool Valid) Check(XmlDocument document)
    {
        var lines = new List<string>();
        var valid = true;
        foreach (var (wire, _) in GbcsInput.PayloadsWithVariant(document))
        {
            if (!verifier.TryVerify(wire, out var v, out var problem))
            {
                lines.Add($"GBCS: not a GBCS message ({wire.Length} octets): {problem}.");
                valid = false;
                continue;
            }
            var m = v!.Message;
            var head = $"GBCS {m.MessageCodeText} {m.Cra} from {m.Originator} to {m.Recipient}, counter {m.OriginatorCounter}:";
            if (m.Cra == CraFlag.Command)
            {
                lines.Add($"{head} a command for the Device (its MAC is the Access Control Broker's, for the Device to check).");
                continue;
            }
            var checks = new List<string>();
            var failed = false;
            void Add(string what, string passed, GbcsCheck check)
            {
                if (check.Verdict == GbcsVerdict.Absent) return;
                checks.Add(check.Verdict == GbcsVerdict.Valid ? $"{what} {passed}" : $"{what} {check.Verdict}: {check.Detail}");
                failed |= check.Verdict != GbcsVerdict.Valid;
            }
            Add("MAC", "verified", v.Mac);
            Add("Device signature", "verified", v.Signature);
            foreach (var e in v.Encrypted) Add("encrypted payload", "decrypted", e);
            if (v.Mac.Verdict != GbcsVerdict.Valid && v.Signature.Verdict != GbcsVerdict.Valid && !failed)
            {
                checks.Add("neither MAC nor Device signature");
                failed = true;
            }
            valid &= !failed;
            lines.Add($"{head} {string.Join("; ", checks)}");
        }
        return (lines, valid);
    }

    /// <summary>What a User holds of a Device: its certificates, as the SMKI Repository serves them.</summary>
    private sealed class CertificatesOnly(DeviceKeyStore store) : IDeviceCredentials
    {
        public DeviceCredentials? Find(Eui device) =>
            store.Find(device) is { } d ? new DeviceCredentials(d.Device, d.DigitalSigningCertificate, d.KeyAgreementCertificate) : null;
    }
}
