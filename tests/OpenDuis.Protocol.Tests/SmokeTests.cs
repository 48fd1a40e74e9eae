using OpenDuis.TestSupport;
namespace OpenDuis.Protocol.Tests;

/// <summary>The independent peer itself: it must sign, validate, refuse tampering and survive bad input.</summary>
public class DccBoxedToolTests
{
    private static string Template() =>
        File.ReadAllText(Path.Combine(RepoPaths.Templates, "8.2_READ_INVENTORY_REQUEST_DUIS.XML"));

    [Fact]
    public void Tool_signs_and_validates_a_template()
    {
        var signed = DccBoxedTool.Shared.Sign(Template());
        Assert.True(signed.Succeeded, signed.ToString());
        var valid = DccBoxedTool.Shared.Validate(signed.Output);
        Assert.True(valid.Succeeded, valid.ToString());
        var tampered = DccBoxedTool.Shared.Validate(signed.Output.Replace("90-A2", "90-A3"));
        Assert.False(tampered.Succeeded, tampered.ToString());
    }

    [Fact]
    public void Tool_survives_an_input_that_ends_its_process()
    {
        // A declaration that lies about the encoding makes the tool give up on the message.
        var lying = Template().Replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
        var refused = DccBoxedTool.Shared.Validate(lying);
        Assert.False(refused.Succeeded, refused.ToString());
        var signed = DccBoxedTool.Shared.Sign(Template());
        Assert.True(signed.Succeeded, signed.ToString());
    }
}
