using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Tests.Domain;

public class EuiTests
{
    [Theory]
    [InlineData("00-DB-12-34-56-78-90-A0", 0x00DB1234567890A0UL)]
    [InlineData("00-db-12-34-56-78-90-a0", 0x00DB1234567890A0UL)]
    [InlineData("  90-B3-D5-1F-30-01-00-00 ", 0x90B3D51F30010000UL)]
    [InlineData("00DB1234567890A0", 0x00DB1234567890A0UL)]
    [InlineData("FF-FF-FF-FF-FF-FF-FF-FF", ulong.MaxValue)]
    [InlineData("00-00-00-00-00-00-00-00", 0UL)]
    public void Parses_both_written_forms_case_insensitively(string text, ulong value)
    {
        Assert.True(Eui.TryParse(text, out var eui));
        Assert.Equal(value, eui.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00-DB-12-34-56-78-90")]          // seven pairs
    [InlineData("00-DB-12-34-56-78-90-A0-01")]    // nine pairs
    [InlineData("00:DB:12:34:56:78:90:A0")]       // wrong separator
    [InlineData("00-DB-12-34-56-78-90-AG")]       // not hex
    [InlineData("00DB1234567890A")]               // 15 digits
    [InlineData("0-DB-12-34-56-78-90-A0-")]       // misplaced separators
    [InlineData("00-DB-12-34-56-78-90+A0")]
    public void Refuses_anything_else(string text)
    {
        Assert.False(Eui.TryParse(text, out _));
        var ex = Assert.Throws<FormatException>(() => Eui.Parse(text));
        Assert.Contains("EUI-64", ex.Message);
    }

    [Fact]
    public void Formats_canonically_in_upper_case_and_round_trips()
    {
        var eui = Eui.Parse("00-db-12-34-56-78-90-a0");
        Assert.Equal("00-DB-12-34-56-78-90-A0", eui.ToString());
        Assert.Equal("00DB1234567890A0", eui.ToCompactString());
        Assert.Equal("00DB1234567890A0", eui.ToString("N", null));
        Assert.Equal(eui, Eui.FromBytes(eui.ToBytes()));
        Span<char> small = stackalloc char[22];
        Assert.False(eui.TryFormat(small, out var written, default, null));
        Assert.Equal(0, written);
    }
}

public class RequestIdTests
{
    [Fact]
    public void Parses_originator_target_and_counter()
    {
        var id = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1000");
        Assert.Equal(Eui.Parse("90-B3-D5-1F-30-01-00-00"), id.Originator);
        Assert.Equal(Eui.Parse("00-DB-12-34-56-78-90-A1"), id.Target);
        Assert.Equal(1000UL, id.Counter);
        Assert.Equal("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1000", id.ToString());
    }

    [Theory]
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:0", 0UL)]
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:18446744073709551615", ulong.MaxValue)]
    [InlineData("90-b3-d5-1f-30-01-00-00:00-db-12-34-56-78-90-a1:7", 7UL)]
    public void Counter_covers_the_unsigned_64_bit_range(string text, ulong counter) =>
        Assert.Equal(counter, RequestId.Parse(text).Counter);

    [Theory]
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:18446744073709551616")] // 2^64
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:01")]                   // leading zero
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:-1")]
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:+1")]
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:")]
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1")]
    [InlineData("90-B3-D5-1F-30-01-00-00:00DB1234567890A1:1")]                          // compact EUI not allowed here
    [InlineData("90-B3-D5-1F-30-01-00-00;00-DB-12-34-56-78-90-A1:1")]
    [InlineData("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1 2")]
    public void Refuses_malformed_ids(string text)
    {
        Assert.False(RequestId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => RequestId.Parse(text));
    }
}

public class DomainRoundTripTests
{
    /// <summary>Formatting then parsing gives the value back, over many pseudo-random values (fixed seed).</summary>
    [Fact]
    public void Eui_and_RequestId_round_trip_through_text()
    {
        var random = new Random(20261125);
        Span<byte> bytes = stackalloc byte[8];
        for (var i = 0; i < 5000; i++)
        {
            random.NextBytes(bytes);
            var eui = Eui.FromBytes(bytes);
            Assert.Equal(eui, Eui.Parse(eui.ToString()));
            Assert.Equal(eui, Eui.Parse(eui.ToString().ToLowerInvariant()));
            Assert.Equal(eui, Eui.Parse(eui.ToCompactString()));
            var counter = ((ulong)random.NextInt64() << 1) + (ulong)(uint)random.Next(0, 2); // the full 64-bit range
            var id = new RequestId(eui, new Eui(~eui.Value ^ (ulong)random.NextInt64()), counter);
            Assert.Equal(id, RequestId.Parse(id.ToString()));
        }
    }

    [Fact]
    public void Every_catalogue_variant_and_response_code_round_trips_through_text()
    {
        foreach (var d in OpenDuis.Protocol.Catalogue.ServiceCatalogue.All)
        {
            Assert.Equal(d.Variant, ServiceReferenceVariant.Parse(d.Variant.ToString()));
            Assert.Equal(d.Reference, ServiceReference.Parse(d.Reference.ToString()));
        }
        foreach (var code in ResponseCodes.All) Assert.Equal(code, ResponseCode.Parse(code.ToString()));
    }

    [Fact]
    public void TryFormat_writes_what_ToString_does_and_refuses_a_buffer_too_short()
    {
        Span<char> buffer = stackalloc char[RequestId.MaxTextLength];
        foreach (var id in new[] { new RequestId(new Eui(0x90B3D51F30010000), new Eui(0x00DB1234567890A0), ulong.MaxValue), new RequestId(default, default, 0) })
        {
            Assert.True(id.TryFormat(buffer, out var written));
            Assert.Equal(id.ToString(), buffer[..written].ToString());
            Assert.False(id.TryFormat(buffer[..(written - 1)], out _));
        }
        foreach (var d in OpenDuis.Protocol.Catalogue.ServiceCatalogue.All)
        {
            Assert.True(d.Variant.TryFormat(buffer, out var written));
            Assert.Equal(d.Variant.ToString(), buffer[..written].ToString());
        }
    }
}
