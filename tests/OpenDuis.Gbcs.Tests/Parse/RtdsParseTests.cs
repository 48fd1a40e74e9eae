using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Tests.Parse;

public class RtdsParseTests
{
    [Fact]
    public void Every_RTDS_response_and_alert_parses()
    {
        var files = Rtds.ResponsesAndAlerts();
        Assert.True(files.Count > 590, $"expected about 600 RTDS responses and alerts, found {files.Count}");
        var failures = new List<string>();
        foreach (var file in files)
            if (!GbcsParser.TryParse(Rtds.Read(file), out _, out var error))
                failures.Add($"{Rtds.Name(file)}: {error}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {files.Count} do not parse:\n{string.Join("\n", failures)}");
    }
}
