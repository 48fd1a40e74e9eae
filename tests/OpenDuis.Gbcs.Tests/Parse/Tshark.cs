using System.Diagnostics;
using System.Globalization;
using System.Text;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests.Parse;

/// <summary>
/// Wireshark's GBCS dissector run over messages: all of them written into one pcap (text2pcap, link type 147 mapped
/// to gbcs_message), the fields asked for read back per message (tshark -T fields; a field's occurrences joined by ';').
/// </summary>
internal static class Tshark
{
    public static IReadOnlyList<string[]> Fields(IReadOnlyList<byte[]> messages, IReadOnlyList<string> fields, bool allOccurrences = false)
    {
        var tshark = Tool("tshark");
        var text2pcap = Tool("text2pcap");
        var dir = Directory.CreateTempSubdirectory("openduis-tshark-");
        try
        {
            var text = new StringBuilder();
            foreach (var m in messages) text.Append("000000 ").AppendJoin(' ', m.Select(b => b.ToString("x2", CultureInfo.InvariantCulture))).Append('\n');
            var input = Path.Combine(dir.FullName, "in.txt");
            var pcap = Path.Combine(dir.FullName, "out.pcap");
            File.WriteAllText(input, text.ToString());
            Run(text2pcap, "-q", "-l", "147", input, pcap);
            var args = new List<string> { "-r", pcap, "-o", "uat:user_dlts:\"User 0 (DLT=147)\",\"gbcs_message\",\"0\",\"\",\"0\",\"\"", "-T", "fields", "-E", "separator=|",
                "-E", allOccurrences ? "occurrence=a" : "occurrence=f", "-E", "aggregator=;" };
            foreach (var field in fields) { args.Add("-e"); args.Add(field); }
            var lines = Run(tshark, [.. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(messages.Count, lines.Length);
            return [.. lines.Select(l => l.Split('|'))];
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Tool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw Prerequisite.Missing($"{name} (Debian tshark), Wireshark's GBCS dissector");
    }

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{tool} exited {p.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
