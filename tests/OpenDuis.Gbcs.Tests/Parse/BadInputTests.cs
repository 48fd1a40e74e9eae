using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Tests.Parse;

/// <summary>Bad GBCS input gets a <see cref="GbcsParseError"/> naming the octet offset and what was expected; nothing else escapes, and nothing is rendered.</summary>
public class BadInputTests
{
    private static byte[] Sample(string name) =>
        Rtds.Read(Rtds.ResponsesAndAlerts().Single(f => Rtds.Name(f) == name));

    // A MAC-less DLMS response: DF 09 02 <counter> 08 <originator> 08 <recipient> 0C <date-time> 02 <code> <length> DA …
    private const string Dlms = "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_RESPONSE_GBCS.HEX";
    private const int CodeOffset = 1 + 1 + 9 + 9 + 9 + 13 + 1;

    private static GbcsParseError ErrorOf(byte[] bytes)
    {
        Assert.False(GbcsParser.TryParse(bytes, out var message, out var error));
        Assert.Null(message);
        return error!;
    }

    [Fact]
    public void The_sample_is_what_the_offsets_here_assume()
    {
        var bytes = Sample(Dlms);
        Assert.Equal(0xDF, bytes[0]);
        Assert.Equal(0x0C, bytes[CodeOffset - 14]);
        Assert.Equal(GbcsParser.Parse(bytes).MessageCode, (ushort)((bytes[CodeOffset] << 8) | bytes[CodeOffset + 1]));
    }

    [Fact]
    public void A_truncated_message_names_the_offset_where_octets_ran_out()
    {
        var bytes = Sample(Dlms);
        var error = ErrorOf(bytes[..25]);
        Assert.Equal(21, error.Offset);
        Assert.Contains("recipient system title", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncation_of_every_RTDS_message_is_a_parse_error_never_another_exception()
    {
        foreach (var file in Rtds.ResponsesAndAlerts().Where((_, i) => i % 7 == 0))
        {
            var bytes = Rtds.Read(file);
            for (var n = 0; n < bytes.Length; n++)
            {
                var ok = GbcsParser.TryParse(bytes.AsSpan(0, n), out _, out var error);
                Assert.False(ok, $"{Rtds.Name(file)} cut to {n} octets parsed");
                Assert.InRange(error!.Offset, 0, n);
            }
        }
    }

    [Fact]
    public void Every_single_octet_change_either_parses_and_renders_or_is_a_parse_error()
    {
        var random = new Random(21);
        foreach (var file in Rtds.ResponsesAndAlerts().Where((_, i) => i % 5 == 0))
        {
            var bytes = Rtds.Read(file);
            for (var k = 0; k < 40; k++)
            {
                var changed = (byte[])bytes.Clone();
                changed[random.Next(changed.Length)] ^= (byte)random.Next(1, 256);
                if (!GbcsParser.TryParse(changed, out var message, out var error))
                {
                    Assert.InRange(error!.Offset, 0, changed.Length);
                    continue;
                }
                try { MmcRenderer.Render(message!, changed); }
                catch (GbcsParseException) { }
            }
        }
    }

    [Fact]
    public void A_message_not_starting_with_a_General_Signing_header_is_refused_at_octet_0()
    {
        var bytes = Sample(Dlms);
        bytes[0] = 0x42;
        var error = ErrorOf(bytes);
        Assert.Equal(0, error.Offset);
        Assert.Contains("General Signing tag 0xDF", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_CRA_Flag_is_named()
    {
        var bytes = Sample(Dlms);
        bytes[2] = 0x07;
        var error = ErrorOf(bytes);
        Assert.Equal(2, error.Offset);
        Assert.Contains("CRA Flag", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Octets_after_the_signature_are_refused()
    {
        var error = ErrorOf([.. Sample(Dlms), 0x00]);
        Assert.Contains("end of the message after its signature", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_Message_Code_is_named_at_its_offset()
    {
        var bytes = Sample(Dlms);
        bytes[CodeOffset] = 0x7F;
        bytes[CodeOffset + 1] = 0xFE;
        var error = ErrorOf(bytes);
        Assert.Equal(CodeOffset, error.Offset);
        Assert.Contains("found 0x7FFE", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_not_of_its_Message_Codes_encoding_is_refused_at_the_content()
    {
        var bytes = Sample(Dlms);
        // 0x0074 is GCS13a, a GBZ Use Case: the DLMS access-response does not match it.
        bytes[CodeOffset] = 0x00;
        bytes[CodeOffset + 1] = 0x74;
        var error = ErrorOf(bytes);
        Assert.Equal(CodeOffset + 3, error.Offset); // past the Message Code and the content length
        Assert.Contains("GBZ", error.Expected, StringComparison.Ordinal);
        Assert.Contains("GCS13a", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_DLMS_item_is_named_at_its_offset()
    {
        var bytes = Sample(Dlms);
        var message = GbcsParser.Parse(bytes);
        var first = ((DlmsAccessResponse)message.Payload).Data[0];
        bytes[first.Offset] = 0x63;
        var error = ErrorOf(bytes);
        Assert.Equal(first.Offset, error.Offset);
        Assert.Contains("A-XDR Data type tag", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void A_General_Ciphering_length_that_does_not_match_is_named()
    {
        var bytes = Sample("ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX");
        var error = ErrorOf(bytes[..^1]);
        Assert.Equal(7, error.Offset);
        Assert.Contains("General Ciphering content length", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void No_octets_at_all_is_an_error_at_0()
    {
        Assert.Equal(0, ErrorOf([]).Offset);
    }

    [Fact]
    public void A_command_is_parsed_but_has_no_MMC_document()
    {
        var command = Rtds.Read(Rtds.PreCommandPairs()[0].Command);
        var message = GbcsParser.Parse(command);
        var e = Assert.Throws<GbcsParseException>(() => MmcRenderer.Render(message, command));
        Assert.Contains("response or alert", e.Error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_that_cannot_be_rendered_writes_nothing_to_the_writer()
    {
        var command = Rtds.Read(Rtds.PreCommandPairs()[0].Command);
        var output = new StringWriter();
        var e = Assert.Throws<GbcsParseException>(() => MmcRenderer.RenderTo(output, GbcsParser.Parse(command), command));
        Assert.Contains("response or alert", e.Error.Expected, StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }
}
