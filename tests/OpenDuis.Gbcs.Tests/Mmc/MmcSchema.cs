using System.Diagnostics;
using System.Xml;
using System.Xml.Schema;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests.Mmc;

/// <summary>The MMC Schema 5.4 (../shared/reference/duis-xsd/5.4), with .NET's validator and with libxml2's xmllint.</summary>
internal static class MmcSchema
{
    public static string Path => RepoPaths.ReferencePath("duis-xsd", "5.4", "MMC Schema V5.4.xsd");

    private static readonly Lazy<XmlSchemaSet> Set = new(() =>
    {
        var set = new XmlSchemaSet();
        using var reader = XmlReader.Create(Path);
        set.Add(null, reader);
        set.Compile();
        return set;
    });

    /// <summary>.NET's errors for one document (empty when valid).</summary>
    public static List<string> DotNetErrors(string xml)
    {
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Set.Value };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity} line {e.Exception?.LineNumber}: {e.Message}");
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        while (reader.Read()) { }
        return errors;
    }

    public static string Xmllint()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(dir, "xmllint");
            if (File.Exists(candidate)) return candidate;
        }
        throw Prerequisite.Missing("xmllint (Debian libxml2-utils), the second schema validator");
    }

    /// <summary>libxml2's verdict on each file: the files it did not find valid, with its messages.</summary>
    public static Dictionary<string, string> XmllintFailures(IReadOnlyList<string> files)
    {
        var xmllint = Xmllint();
        var failures = new Dictionary<string, string>();
        // One process for many files: the schema is compiled once.
        foreach (var batch in files.Chunk(200))
        {
            var psi = new ProcessStartInfo(xmllint) { RedirectStandardError = true, RedirectStandardOutput = true };
            psi.ArgumentList.Add("--noout");
            psi.ArgumentList.Add("--schema");
            psi.ArgumentList.Add(Path);
            foreach (var f in batch) psi.ArgumentList.Add(f);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            _ = stdout.Result;
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var f in batch)
            {
                if (lines.Contains($"{f} validates")) continue;
                failures[f] = string.Join("\n", lines.Where(l => l.StartsWith(f, StringComparison.Ordinal)));
            }
        }
        return failures;
    }
}
