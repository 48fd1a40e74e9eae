using OpenDuis.Gbcs.Correlate;

namespace OpenDuis.Gbcs.Tests.Correlate;

public class CorrelationTests
{
    [Fact]
    public void Every_RTDS_Pre_Command_correlates_with_its_Command()
    {
        var pairs = Rtds.PreCommandPairs();
        Assert.True(pairs.Count > 150, $"expected the RTDS PRECOMMAND/COMMAND pairs, found {pairs.Count}");
        var failures = pairs
            .Select(p => (p.PreCommand, Result: Correlation.Check(Rtds.Read(p.PreCommand), Rtds.Read(p.Command))))
            .Where(x => !x.Result.Match)
            .Select(x => $"{Rtds.Name(x.PreCommand)}: {x.Result}")
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Every_RTDS_Pre_Command_correlates_with_its_General_Signing_part_and_signature_alone()
    {
        foreach (var (preCommand, command) in Rtds.PreCommandPairs().Take(20))
        {
            var signed = Rtds.Read(command);
            var message = OpenDuis.Gbcs.Parse.GbcsParser.Parse(signed);
            var withoutMac = signed.AsSpan(message.SignedOffset, message.SignedLength).ToArray();
            Assert.True(Correlation.Check(Rtds.Read(preCommand), withoutMac).Match, Rtds.Name(preCommand));
        }
    }

    [Fact]
    public void One_changed_octet_outside_the_signature_does_not_correlate_and_the_report_says_where()
    {
        foreach (var (preCommandPath, commandPath) in Rtds.PreCommandPairs().Where((_, i) => i % 9 == 0))
        {
            var preCommand = Rtds.Read(preCommandPath);
            var command = Rtds.Read(commandPath);
            var message = OpenDuis.Gbcs.Parse.GbcsParser.Parse(command);
            var signatureAt = message.Fields.Single(f => f.Name == "signature length").Offset;
            // Every octet the signature covers, one at a time.
            for (var at = message.SignedOffset; at < signatureAt; at++)
            {
                var changed = (byte[])command.Clone();
                changed[at] ^= 0x01;
                var result = Correlation.Check(preCommand, changed);
                Assert.False(result.Match, $"{Rtds.Name(commandPath)}: octet {at} changed, still correlates");
                var where = result.Differences[0];
                if (where.SignedOffset >= 0)
                {
                    Assert.Equal(at, where.SignedOffset);
                    Assert.Equal(at - message.SignedOffset, where.PreCommandOffset);
                }
            }
        }
    }

    [Fact]
    public void A_changed_Message_Code_is_reported_as_the_Message_Code_with_both_values()
    {
        var (preCommandPath, commandPath) = Rtds.PreCommandPairs()[0];
        var command = Rtds.Read(commandPath);
        var code = OpenDuis.Gbcs.Parse.GbcsParser.Parse(command).Fields.Single(f => f.Name == "Message Code");
        command[code.Offset + 1] ^= 0x02;
        var difference = Assert.Single(Correlation.Check(Rtds.Read(preCommandPath), command).Differences);
        Assert.Equal("Message Code", difference.Field);
        Assert.Equal(code.Offset + 1, difference.SignedOffset);
        Assert.Contains("in the Pre-Command", difference.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_signature_still_correlates()
    {
        var (preCommandPath, commandPath) = Rtds.PreCommandPairs()[0];
        var command = Rtds.Read(commandPath);
        var signature = OpenDuis.Gbcs.Parse.GbcsParser.Parse(command).Fields.Single(f => f.Name == "signature");
        command[signature.Offset + 10] ^= 0xFF;
        Assert.True(Correlation.Check(Rtds.Read(preCommandPath), command).Match);
    }

    [Fact]
    public void A_Signed_Pre_Command_without_a_signature_or_unreadable_input_does_not_correlate()
    {
        var (preCommandPath, _) = Rtds.PreCommandPairs()[0];
        var preCommand = Rtds.Read(preCommandPath);
        var unsigned = Correlation.Check(preCommand, preCommand);
        Assert.False(unsigned.Match);
        Assert.Contains("no signature field", unsigned.ToString(), StringComparison.Ordinal);

        var garbage = Correlation.Check(preCommand, [0x01, 0x02]);
        Assert.False(garbage.Match);
        Assert.Contains("Signed Pre-Command: does not read at octet 0", garbage.ToString(), StringComparison.Ordinal);
    }
}
