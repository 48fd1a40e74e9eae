using System.Collections.Frozen;

using OpenDuis.Gbcs;

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

    private RtdsLibrary(FrozenDictionary<ushort, GbcsMessage> responses, FrozenDictionary<ushort, GbcsMessage> preCommands, int files)
    {
        _responses = responses;
        _preCommands = preCommands;
        FileCount = files;
    }

    public static RtdsLibrary Empty { get; } = new(FrozenDictionary<ushort, GbcsMessage>.Empty, FrozenDictionary<ushort, GbcsMessage>.Empty, 0);

    /// <summary>How many GBCS files were read.</summary>
    public int FileCount { get; }

    public int ResponseCodes => _responses.Count;

    /// <summary>
    /// Reads every <c>*_RESPONSE_GBCS.HEX</c> and <c>*_PRECOMMAND_GBCS.HEX</c> under <paramref name="folder"/>.
    /// For each Message Code a success scenario is preferred over an error one. Files that are not
    /// a GBCS General Signing message (General Block Transfer, say) are skipped.
    /// </summary>
    public static RtdsLibrary Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"The RTDS GBCS folder {folder} does not exist.");
        var responses = new Dictionary<ushort, (GbcsMessage Message, bool Success)>();
        var preCommands = new Dictionary<ushort, (GbcsMessage Message, bool Success)>();
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
            var success = !name.Contains("ERROR", StringComparison.OrdinalIgnoreCase);
            if (!target.TryGetValue(message.MessageCode, out var held) || (success && !held.Success))
                target[message.MessageCode] = (message, success);
        }
        return new RtdsLibrary(responses.ToFrozenDictionary(p => p.Key, p => p.Value.Message),
            preCommands.ToFrozenDictionary(p => p.Key, p => p.Value.Message), files);
    }

    public GbcsMessage? Response(ushort messageCode) => _responses.GetValueOrDefault(messageCode);

    public GbcsMessage? PreCommand(ushort messageCode) => _preCommands.GetValueOrDefault(messageCode);
}
