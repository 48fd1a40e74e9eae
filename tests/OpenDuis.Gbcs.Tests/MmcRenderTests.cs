using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Tests;

public class MmcRenderTests
{
    [Fact]
    public void Every_RTDS_response_and_alert_renders_to_an_MMC_document_valid_for_dotnet_and_libxml2()
    {
        var files = Rtds.ResponsesAndAlerts();
        var dir = Directory.CreateTempSubdirectory("openduis-mmc-");
        try
        {
            var failures = new List<string>();
            var written = new List<string>();
            foreach (var file in files)
            {
                var bytes = Rtds.Read(file);
                string xml;
                try { xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes); }
                catch (GbcsParseException e) { failures.Add($"{Rtds.Name(file)}: {e.Error}"); continue; }
                if (MmcSchema.DotNetErrors(xml) is { Count: > 0 } errors)
                    failures.Add($"{Rtds.Name(file)} (.NET): {string.Join("; ", errors.Take(3))}");
                var path = Path.Combine(dir.FullName, Path.GetFileNameWithoutExtension(file) + ".xml");
                File.WriteAllText(path, xml);
                written.Add(path);
            }
            foreach (var (path, message) in MmcSchema.XmllintFailures(written))
                failures.Add($"{Path.GetFileName(path)} (libxml2): {message}");
            Assert.True(failures.Count == 0, $"{failures.Count} failures over {files.Count} messages:\n{string.Join("\n", failures)}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
