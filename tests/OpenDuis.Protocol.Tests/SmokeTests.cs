using OpenDuis.TestSupport;
namespace OpenDuis.Protocol.Tests;
public class DccBoxedToolTests
{
    [Fact]
    public void Tool_signs_and_validates_a_template()
    {
        var xml = File.ReadAllText(Path.Combine(RepoPaths.Templates, "8.2_READ_INVENTORY_REQUEST_DUIS.XML"));
        var signed = DccBoxedTool.Shared.Sign(xml);
        Assert.True(signed.Succeeded, signed.ToString());
        var valid = DccBoxedTool.Shared.Validate(signed.Output);
        Assert.True(valid.Succeeded, valid.ToString());
        var tampered = DccBoxedTool.Shared.Validate(signed.Output.Replace("90-A2", "90-A3"));
        Assert.False(tampered.Succeeded, tampered.ToString());
    }
}
