using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Tests.Domain;

public class ServiceReferenceTests
{
    [Theory]
    [InlineData("8.2", 8, 2)]
    [InlineData("6.20", 6, 20)]
    [InlineData("14.1", 14, 1)]
    public void Service_reference_parses_and_formats(string text, byte group, byte number)
    {
        var r = ServiceReference.Parse(text);
        Assert.Equal(new ServiceReference(group, number), r);
        Assert.Equal(text, r.ToString());
    }

    [Theory]
    [InlineData("8")]
    [InlineData("8.")]
    [InlineData(".2")]
    [InlineData("08.2")]
    [InlineData("8.02")]
    [InlineData("8.2.1")]
    [InlineData("8,2")]
    [InlineData("256.1")]
    [InlineData("-8.2")]
    public void Service_reference_refuses_non_canonical_text(string text) =>
        Assert.False(ServiceReference.TryParse(text, out _));

    [Theory]
    [InlineData("4.1.1", 4, 1, 1)]
    [InlineData("8.2", 8, 2, 0)]
    [InlineData("6.2.10", 6, 2, 10)]
    [InlineData("8.14.4", 8, 14, 4)]
    public void Variant_parses_with_or_without_a_variant_number(string text, byte group, byte number, byte variant)
    {
        var v = ServiceReferenceVariant.Parse(text);
        Assert.Equal(new ServiceReferenceVariant(group, number, variant), v);
        Assert.Equal(new ServiceReference(group, number), v.Reference);
        Assert.Equal(variant != 0, v.HasVariantNumber);
        Assert.Equal(text, v.ToString());
    }

    [Theory]
    [InlineData("4.1.0")]
    [InlineData("4.1.1.1")]
    [InlineData("4.1.")]
    [InlineData("4..1")]
    [InlineData("4")]
    [InlineData("4.1.01")]
    public void Variant_refuses_malformed_text(string text)
    {
        Assert.False(ServiceReferenceVariant.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ServiceReferenceVariant.Parse(text));
    }

    [Fact]
    public void Variants_order_numerically_not_textually()
    {
        var sorted = new[] { "6.20.1", "6.2.10", "6.2.9", "6.4.1" }.Select(ServiceReferenceVariant.Parse).Order().Select(v => v.ToString());
        Assert.Equal(["6.2.9", "6.2.10", "6.4.1", "6.20.1"], sorted);
    }

    [Fact]
    public void Schema_version_parses_the_decimal_attribute()
    {
        Assert.Equal(DuisSchemaVersion.V5_4, DuisSchemaVersion.Parse("5.4"));
        Assert.True(DuisSchemaVersion.V5_1.CompareTo(DuisSchemaVersion.V5_4) < 0);
        Assert.False(DuisSchemaVersion.TryParse("5", out _));
        Assert.False(DuisSchemaVersion.TryParse("five", out _));
    }
}

public class CommandVariantTests
{
    // XSD sr:CommandVariant comment table, "Req WS" column; R-WS-1.
    [Theory]
    [InlineData(CommandVariant.SendNonCritical, WebService.SendCommand, false, true, false)]
    [InlineData(CommandVariant.ReturnForLocalDeliveryNonCritical, WebService.NonDevice, false, false, true)]
    [InlineData(CommandVariant.SendAndReturnForLocalDeliveryNonCritical, WebService.SendCommand, false, true, true)]
    [InlineData(CommandVariant.TransformCritical, WebService.Transform, true, false, false)]
    [InlineData(CommandVariant.SendSignedPreCommand, WebService.SendCommand, true, true, false)]
    [InlineData(CommandVariant.ReturnSignedPreCommandForLocalDelivery, WebService.NonDevice, true, false, true)]
    [InlineData(CommandVariant.SendAndReturnSignedPreCommandForLocalDelivery, WebService.SendCommand, true, true, true)]
    [InlineData(CommandVariant.NonDevice, WebService.NonDevice, false, false, false)]
    public void Each_variant_names_its_web_service_and_meaning(CommandVariant cv, WebService service, bool critical, bool smWan, bool local)
    {
        Assert.Equal(service, cv.WebService());
        Assert.Equal(critical, cv.IsCritical());
        Assert.Equal(smWan, cv.SendsOverSmWan());
        Assert.Equal(local, cv.ReturnsLocalCommand());
        Assert.False(string.IsNullOrEmpty(cv.Description()));
    }

    [Fact]
    public void Send_command_takes_1_3_5_7_transform_4_non_device_2_6_8()
    {
        string Letters(WebService s) => string.Concat(CommandVariants.All.Where(v => v.WebService() == s).Select(v => v.ToXsd()));
        Assert.Equal("1357", Letters(WebService.SendCommand));
        Assert.Equal("4", Letters(WebService.Transform));
        Assert.Equal("268", Letters(WebService.NonDevice));
        Assert.Equal(['S', 'T', 'D'], new[] { WebService.SendCommand, WebService.Transform, WebService.NonDevice }.Select(s => s.Letter()));
        Assert.True(WebServices.TryParseLetter('t', out var t) && t == WebService.Transform);
        Assert.False(WebServices.TryParseLetter('X', out _));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("9")]   // internal to the DCC Data Systems
    [InlineData("10")]
    [InlineData("")]
    [InlineData("one")]
    public void Only_1_to_8_parse(string text) => Assert.False(CommandVariants.TryParse(text, out _));
}
