using System.Collections.Frozen;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Gbcs;

/// <summary>
/// A folder of RTDS GBCS messages (the Reference Test Data Set's <c>&lt;use case&gt;/*_GBCS.HEX</c>
/// files, e.g. RTDS 4.5.0), indexed by Message Code, so the emulator can answer a message code it
/// has no encoder of its own for with the content a real device gave. The data is the user's: the
/// product only reads the folder it is pointed at.
/// </summary>
public sealed class RtdsLibrary
{
    private readonly FrozenDictionary<ushort, GbcsMessage> _responses;
    private readonly FrozenDictionary<ushort, GbcsMessage> _preCommands;
    private readonly FrozenDictionary<string, byte[]> _plaintexts;

    private RtdsLibrary(FrozenDictionary<ushort, GbcsMessage> responses, FrozenDictionary<ushort, GbcsMessage> preCommands, int files,
        FrozenDictionary<string, byte[]> plaintexts)
    {
        _responses = responses;
        _preCommands = preCommands;
        _plaintexts = plaintexts;
        FileCount = files;
    }

    public static RtdsLibrary Empty { get; } = new(FrozenDictionary<ushort, GbcsMessage>.Empty, FrozenDictionary<ushort, GbcsMessage>.Empty, 0,
        FrozenDictionary<string, byte[]>.Empty);

    /// <summary>How many of the responses' encrypted payloads were decrypted (with the RTDS key store beside the folder).</summary>
    public int DecryptedPayloads => _plaintexts.Count;

    /// <summary>
    /// The plaintext of an encrypted payload of a response read here (security header, ciphertext and
    /// tag as the RTDS file carries them), so an emulated Device can encrypt it again under its own keys.
    /// </summary>
    public byte[]? PlaintextOf(ReadOnlySpan<byte> encrypted) => _plaintexts.GetValueOrDefault(Convert.ToHexString(encrypted));

    /// <summary>How many GBCS files were read.</summary>
    public int FileCount { get; }

    public int ResponseCodes => _responses.Count;

    /// <summary>
    /// Reads every <c>*_RESPONSE_GBCS.HEX</c> and <c>*_PRECOMMAND_GBCS.HEX</c> under <paramref name="folder"/>.
    /// For each Message Code a success scenario is preferred over any other, an error one taken last. Files that are not
    /// a GBCS General Signing message (General Block Transfer, say) are skipped. Where the RTDS key
    /// store lies beside the folder (<c>../keystore</c>, the ZAZ1 test PKI: the layout SmartDCC's gbcs-parser
    /// publishes them in), the responses' encrypted payloads are decrypted with it.
    /// </summary>
    public static RtdsLibrary Load(string folder)
    {
        var keystore = Path.Combine(folder, "..", "keystore");
        var verifier = Directory.Exists(keystore) ? new GbcsVerifier(GbcsKeyring.Load(keystore), AccessControlBroker) : null;
        var plaintexts = new Dictionary<string, byte[]>();
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"The RTDS GBCS folder {folder} does not exist.");
        var responses = new Dictionary<ushort, (GbcsMessage Message, int Rank)>();
        var preCommands = new Dictionary<ushort, (GbcsMessage Message, int Rank)>();
        var files = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*_GBCS.HEX", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            var target = name.EndsWith("_RESPONSE_GBCS.HEX", StringComparison.OrdinalIgnoreCase) ? responses
                : name.EndsWith("_PRECOMMAND_GBCS.HEX", StringComparison.OrdinalIgnoreCase) ? preCommands
                : null;
            if (target is null) continue;
            byte[] bytes;
            try { bytes = Convert.FromHexString(File.ReadAllText(file).Trim()); }
            catch (FormatException) { continue; }
            if (!GbcsMessage.TryRead(bytes, out var message, out _)) continue;
            files++;
            if (verifier is not null && target == responses) Decrypt(verifier, bytes, message, plaintexts);
            var rank = Rank(name);
            if (!target.TryGetValue(message.MessageCode, out var held) || rank > held.Rank)
                target[message.MessageCode] = (message, rank);
        }
        return new RtdsLibrary(responses.ToFrozenDictionary(p => p.Key, p => p.Value.Message),
            preCommands.ToFrozenDictionary(p => p.Key, p => p.Value.Message), files, plaintexts.ToFrozenDictionary());
    }

    /// <summary>
    /// Which scenario of a Message Code a Device answers with: a SUCCESS one (the full answer, its payloads
    /// encrypted where GBCS encrypts them) before any other (NOT_FOUND, say), an ERROR one last.
    /// </summary>
    private static int Rank(string name) =>
        name.Contains("SUCCESS", StringComparison.OrdinalIgnoreCase) ? 2 : name.Contains("ERROR", StringComparison.OrdinalIgnoreCase) ? 0 : 1;

    /// <summary>The ACB of the RTDS messages (their commands' MACs are keyed by it).</summary>
    private static readonly Eui AccessControlBroker = Eui.Parse("90-B3-D5-1F-30-00-00-02");

    private static void Decrypt(GbcsVerifier verifier, byte[] bytes, GbcsMessage message, Dictionary<string, byte[]> plaintexts)
    {
        var segments = GbcsEncryptedPayloads.Find(message);
        if (segments.Count == 0) return;
        var verification = verifier.Verify(bytes, message);
        if (verification.Plaintexts.Count != segments.Count) return;
        for (var i = 0; i < segments.Count; i++)
            plaintexts[Convert.ToHexString(message.Content.Span.Slice(segments[i].Offset, segments[i].Length))] = verification.Plaintexts[i];
    }

    public GbcsMessage? Response(ushort messageCode) => _responses.GetValueOrDefault(messageCode);

    public GbcsMessage? PreCommand(ushort messageCode) => _preCommands.GetValueOrDefault(messageCode);
}
