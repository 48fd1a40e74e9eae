using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Tests.Parse;

/// <summary>
/// General Block Transfer: RTDS 4.5.0 has no segmented message, so its large responses are segmented here (GbtBlocks.Segment:
/// IEC 62056-5-3 general-block-transfer blocks, numbered from 1, the last marked) and must parse and render exactly as the
/// whole message does, whatever the block size and in whatever order the blocks arrive; a missing or repeated block is an
/// error naming the block.
/// </summary>
public class GbtReassemblyTests
{
    private static IReadOnlyList<string> LargeResponses() =>
        [.. Rtds.ResponsesAndAlerts().Where(f => Rtds.Read(f).Length > 300)];

    [Theory]
    [InlineData(64)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(300)]
    public void Every_large_RTDS_response_segmented_parses_and_renders_as_the_whole_message(int blockSize)
    {
        var files = LargeResponses();
        Assert.True(files.Count >= 30, $"only {files.Count} RTDS responses exceed 300 octets");
        foreach (var f in files)
        {
            var whole = Rtds.Read(f);
            var blocks = GbtBlocks.Segment(whole, blockSize);
            Assert.Equal(0xE0, blocks[0]);
            Assert.Equal(whole, GbtBlocks.Reassemble(blocks));
            var segmented = GbcsParser.Parse(blocks);
            Assert.Equal(GbcsParser.Parse(whole).Header.MessageCode, segmented.Header.MessageCode);
            Assert.Equal(MmcRenderer.Render(GbcsParser.Parse(whole), whole), MmcRenderer.Render(segmented, GbtBlocks.Reassemble(blocks)));
        }
    }

    [Fact]
    public void Blocks_arriving_out_of_order_reassemble_by_block_number()
    {
        var whole = Rtds.Read(LargeResponses()[0]);
        var blocks = Split(GbtBlocks.Segment(whole, 50));
        Assert.True(blocks.Count >= 4);
        blocks.Reverse();
        Assert.Equal(whole, GbtBlocks.Reassemble([.. blocks.SelectMany(b => b)]));
    }

    [Fact]
    public void A_missing_block_is_an_error_naming_it()
    {
        var blocks = Split(GbtBlocks.Segment(Rtds.Read(LargeResponses()[0]), 50));
        blocks.RemoveAt(1);
        var e = Assert.Throws<GbcsParseException>(() => GbcsParser.Parse([.. blocks.SelectMany(b => b)]));
        Assert.Contains($"GBT block 2 of {blocks.Count + 1}", e.Error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_block_is_an_error_naming_it()
    {
        var blocks = Split(GbtBlocks.Segment(Rtds.Read(LargeResponses()[0]), 50));
        blocks.Insert(2, blocks[1]);
        var e = Assert.Throws<GbcsParseException>(() => GbcsParser.Parse([.. blocks.SelectMany(b => b)]));
        Assert.Contains("found 2 again", e.Error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Blocks_without_a_last_block_are_an_error()
    {
        var blocks = Split(GbtBlocks.Segment(Rtds.Read(LargeResponses()[0]), 50));
        blocks.RemoveAt(blocks.Count - 1);
        var e = Assert.Throws<GbcsParseException>(() => GbcsParser.Parse([.. blocks.SelectMany(b => b)]));
        Assert.Contains("marked last", e.Error.Expected, StringComparison.Ordinal);
    }

    /// <summary>The blocks of a segmented message, each whole (tag to end of its block data).</summary>
    private static List<byte[]> Split(byte[] segmented)
    {
        var blocks = new List<byte[]>();
        var at = 0;
        while (at < segmented.Length)
        {
            var lengthAt = at + 6;
            var (length, lengthOctets) = segmented[lengthAt] switch
            {
                0x81 => (segmented[lengthAt + 1], 2),
                0x82 => ((segmented[lengthAt + 1] << 8) | segmented[lengthAt + 2], 3),
                var n => (n, 1),
            };
            var end = lengthAt + lengthOctets + length;
            blocks.Add(segmented[at..end]);
            at = end;
        }
        return blocks;
    }
}
