using System.Globalization;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Correlate;

/// <summary>
/// One place where a Signed Pre-Command does not say what its Pre-Command said: the octet offset in
/// each (they differ by the MAC header when the Signed Pre-Command carries one), the field, and what each holds there.
/// </summary>
public sealed record CorrelationDifference(int PreCommandOffset, int SignedOffset, string Field, string Detail)
{
    public override string ToString() =>
        PreCommandOffset < 0
            ? $"{Field}: {Detail}"
            : $"{Field} at octet {PreCommandOffset} of the Pre-Command (octet {SignedOffset} of the Signed Pre-Command): {Detail}";
}

/// <summary>The outcome of <see cref="Correlation.Check"/>: a match, or every field where the two differ.</summary>
public sealed record CorrelationResult(IReadOnlyList<CorrelationDifference> Differences)
{
    public bool Match => Differences.Count == 0;

    public override string ToString() => Match
        ? "The Signed Pre-Command matches the Pre-Command apart from its signature."
        : "The Signed Pre-Command does not match the Pre-Command: " + string.Join("; ", Differences) + ".";
}

/// <summary>
/// Correlate (DUIS 3.4.2, 3.5.5; GBCS 4.3): a Signed Pre-Command must be its Pre-Command (the General
/// Signing part the DCC issued, which has no signature field) with the User's signature appended, and
/// optionally the General Ciphering MAC header around it as sent to the device. Every field outside
/// the signature and the MAC part is compared octet for octet; each field that differs is reported
/// with its offset in both messages.
/// </summary>
public static class Correlation
{
    public static CorrelationResult Check(ReadOnlySpan<byte> preCommand, ReadOnlySpan<byte> signedPreCommand)
    {
        if (!GbcsParser.TryParseFrame(preCommand, out var pre, out var preError))
            return Fail("Pre-Command", $"does not read {preError}");
        if (!GbcsParser.TryParseFrame(signedPreCommand, out var signed, out var signedError))
            return Fail("Signed Pre-Command", $"does not read {signedError}");

        var differences = new List<CorrelationDifference>();
        if (pre.Header.Cra != CraFlag.Command)
            differences.Add(new(-1, -1, "Pre-Command", $"its CRA Flag is {pre.Header.Cra}, not Command"));
        if (pre.Signature is not null)
            differences.Add(new(-1, -1, "Pre-Command", "it carries a signature field; a Pre-Command has none (GBCS 4.3.1)"));
        if (signed.Signature is not { Length: 64 })
            differences.Add(new(-1, -1, "Signed Pre-Command", $"it carries {(signed.Signature is { } s ? $"a signature of {s.Length} octets" : "no signature field")}, not a 64-octet signature"));
        if (differences.Count > 0) return new(differences);

        // The part the signature covers, without the signature field: it must be the Pre-Command octet for octet.
        var signatureField = signed.Fields.First(f => f.Name == "signature length");
        var shift = signed.SignedOffset - pre.SignedOffset;
        var a = preCommand.Slice(pre.SignedOffset, pre.SignedLength);
        var b = signedPreCommand[signed.SignedOffset..signatureField.Offset];

        foreach (var field in pre.Fields)
        {
            if (field.Offset < pre.SignedOffset || field.Offset >= pre.SignedOffset + pre.SignedLength) continue;
            var at = field.Offset - pre.SignedOffset;
            var mine = a.Slice(at, field.Length);
            var theirs = at + field.Length <= b.Length ? b.Slice(at, field.Length) : b[Math.Min(at, b.Length)..];
            var index = mine.CommonPrefixLength(theirs);
            if (index == mine.Length && theirs.Length == mine.Length) continue;
            differences.Add(new(field.Offset + index, field.Offset + index + shift, field.Name, Detail(field, mine, theirs, index)));
        }
        if (b.Length != a.Length && differences.Count == 0)
            differences.Add(new(pre.SignedOffset + a.Length, signed.SignedOffset + a.Length, "length",
                $"the Signed Pre-Command has {b.Length - a.Length} more octets before its signature than the Pre-Command has in all"));
        return new(differences);
    }

    private static string Detail(GbcsField field, ReadOnlySpan<byte> mine, ReadOnlySpan<byte> theirs, int index)
    {
        if (field.Length <= 16 && theirs.Length == mine.Length)
            return $"0x{Convert.ToHexString(mine)} in the Pre-Command, 0x{Convert.ToHexString(theirs)} in the Signed Pre-Command";
        if (index >= theirs.Length)
            return $"the Signed Pre-Command ends the field after {theirs.Length} of its {mine.Length} octets";
        return string.Create(CultureInfo.InvariantCulture,
            $"octet {index} of the field is 0x{mine[index]:X2} in the Pre-Command, 0x{theirs[index]:X2} in the Signed Pre-Command");
    }

    private static CorrelationResult Fail(string which, string why) => new([new CorrelationDifference(-1, -1, which, why)]);
}
