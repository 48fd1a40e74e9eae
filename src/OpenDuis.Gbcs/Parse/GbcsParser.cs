using System.Diagnostics.CodeAnalysis;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs.Parse;

/// <summary>The three encodings of GBCS content (GBCS 7.2): DLMS COSEM (ESME, CHF), GBZ ZigBee (GSME, GPF), ASN.1 (security credentials, firmware).</summary>
public enum GbcsPayloadKind { Dlms, Gbz, Asn1 }

/// <summary>Content whose octets were not read (<see cref="GbcsParser.TryParseFrame"/>).</summary>
public sealed record UnreadPayload : GbcsPayload
{
    public override GbcsPayloadKind Kind => GbcsPayloadKind.Asn1;
}

/// <summary>The content of a GBCS message, read.</summary>
public abstract record GbcsPayload
{
    public abstract GbcsPayloadKind Kind { get; }
    /// <summary>Offset of the content's first octet from the message's first octet.</summary>
    public int Offset { get; internal init; }
}

/// <summary>
/// The General Signing header (GBCS 4.3.1): Transaction ID (CRA Flag, originator counter), originator
/// and recipient, date-time, and the other-information: the Message Code, then for commands the DCC
/// sends for a User (GBCS 4.3.1.4) the Supplementary Remote Party ID and counter, the Supplementary
/// Originator Counter, and for some Use Cases a certificate (kept as <see cref="OtherInformationRest"/>).
/// </summary>
public sealed record GbcsHeader(
    CraFlag Cra,
    ulong OriginatorCounter,
    Eui Originator,
    Eui Recipient,
    ReadOnlyMemory<byte> DateTimeOctets,
    ushort MessageCode,
    Eui? SupplementaryRemotePartyId,
    ulong? SupplementaryRemotePartyCounter,
    ulong? SupplementaryOriginatorCounter,
    ReadOnlyMemory<byte> OtherInformationRest)
{
    public DateTimeOffset? DateTime => DateTimeOctets.Length == 12 ? DlmsDateTime.Read(DateTimeOctets.Span) : null;

    /// <summary>The date-time's clock status octet (IEC 62056-6-2: 0x01 invalid, 0x02 doubtful, 0x04 different clock base, 0xFF not specified).</summary>
    public byte? ClockStatus => DateTimeOctets.Length == 12 ? DateTimeOctets.Span[11] : null;
}

/// <summary>A named run of octets in a message, for saying where two messages differ.</summary>
public readonly record struct GbcsField(string Name, int Offset, int Length)
{
    public bool Contains(int offset) => offset >= Offset && offset < Offset + Length;
}

/// <summary>A GBCS message read in full: header, MAC part, payload, signature, and where each field lies.</summary>
public sealed record ParsedGbcsMessage(
    GbcsHeader Header,
    GbcsMac? Mac,
    GbcsPayload Payload,
    ReadOnlyMemory<byte> Content,
    ReadOnlyMemory<byte>? Signature,
    MessageCodeEntry? UseCase,
    IReadOnlyList<GbcsField> Fields,
    int SignedOffset,
    int SignedLength)
{
    public ushort MessageCode => Header.MessageCode;

    /// <summary>The field an octet offset falls in (offsets from the message's first octet).</summary>
    public string FieldAt(int offset)
    {
        foreach (var f in Fields)
            if (f.Contains(offset)) return f.Name;
        return "past the end of the message";
    }
}

/// <summary>
/// Reads a whole GBCS message (GBCS 4.3: optional General Ciphering MAC header, General Signing
/// header, content, signature; or a run of General Block Transfer blocks carrying one, GBCS 7.3.?)
/// into typed records. Every failure is a <see cref="GbcsParseError"/> naming the octet offset and
/// what was expected there; an unknown Message Code, or content not of the encoding its Message Code
/// uses, is such a failure too.
/// </summary>
public static class GbcsParser
{
    private const byte GeneralCiphering = 0xDD, GeneralSigning = 0xDF, GeneralBlockTransfer = 0xE0;

    public static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ParsedGbcsMessage? message, [NotNullWhen(false)] out GbcsParseError? error) =>
        TryParse(bytes, readPayload: true, out message, out error);

    /// <summary>The headers, content and signature only, the content's octets unread (<see cref="UnreadPayload"/>): what Correlate compares.</summary>
    public static bool TryParseFrame(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ParsedGbcsMessage? message, [NotNullWhen(false)] out GbcsParseError? error) =>
        TryParse(bytes, readPayload: false, out message, out error);

    private static bool TryParse(ReadOnlySpan<byte> bytes, bool readPayload, [NotNullWhen(true)] out ParsedGbcsMessage? message, [NotNullWhen(false)] out GbcsParseError? error)
    {
        try
        {
            message = Parse(bytes, readPayload);
            error = null;
            return true;
        }
        catch (GbcsParseException e)
        {
            message = null;
            error = e.Error;
            return false;
        }
    }

    /// <exception cref="GbcsParseException">The message does not read; the error names the offset.</exception>
    public static ParsedGbcsMessage Parse(ReadOnlySpan<byte> bytes) => Parse(bytes, readPayload: true);

    private static ParsedGbcsMessage Parse(ReadOnlySpan<byte> bytes, bool readPayload)
    {
        if (bytes.Length == 0) throw OctetReader.Fail(0, "a GBCS message, found no octets");
        if (bytes[0] == GeneralBlockTransfer) return Parse(GbtBlocks.Reassemble(bytes), readPayload);
        var fields = new List<GbcsField>(16);
        var r = new OctetReader(bytes);
        GbcsMac? mac = null;
        int signedEnd = bytes.Length;
        if (r.Peek() == GeneralCiphering)
        {
            var at = r.Offset;
            r.Byte("the General Ciphering tag");
            for (var i = 0; i < 6; i++)
                r.Expect(0x00, "an empty General Ciphering header field (GBCS 4.3.2: transaction-id, system titles, date-time, other-information, key-info)");
            fields.Add(new("General Ciphering header", at, r.Offset - at));
            var lengthAt = r.Offset;
            var length = r.Length("the General Ciphering content length");
            if (length != r.Remaining)
                throw OctetReader.Fail(lengthAt, $"a General Ciphering content length equal to the {r.Remaining} octets that follow, found {length}");
            if (length < 5 + 12) throw OctetReader.Fail(lengthAt, "a General Ciphering content of at least a security header and a 12-octet MAC");
            fields.Add(new("General Ciphering content length", lengthAt, r.Offset - lengthAt));
            var shAt = r.Offset;
            r.Expect(0x11, "the security control octet 0x11 (authentication only)");
            var ic = r.UInt32("the invocation counter");
            fields.Add(new("security header", shAt, 5));
            signedEnd = bytes.Length - 12;
            mac = new GbcsMac(ic, bytes[signedEnd..].ToArray());
        }
        var signedStart = r.Offset;
        var s = r.Sub(signedEnd - signedStart, "the General Signing part");
        var result = ReadSigned(ref s, fields, readPayload);
        if (mac is not null) fields.Add(new("MAC", signedEnd, 12));
        return result with { Mac = mac, SignedOffset = signedStart, SignedLength = signedEnd - signedStart };
    }

    private static ParsedGbcsMessage ReadSigned(ref OctetReader r, List<GbcsField> fields, bool readPayload)
    {
        var at = r.Offset;
        r.Expect(GeneralSigning, "the General Signing tag 0xDF (GBCS 4.3.1)");
        fields.Add(new("General Signing tag", at, 1));

        at = r.Offset;
        r.Expect(0x09, "a 9-octet Transaction ID");
        var craAt = r.Offset;
        var cra = r.Byte("the CRA Flag");
        if (cra is < 1 or > 3) throw OctetReader.Fail(craAt, $"a CRA Flag of 1 (Command), 2 (Response) or 3 (Alert), found {cra}");
        fields.Add(new("CRA Flag", craAt, 1));
        var counterAt = r.Offset;
        var counter = r.UInt64("the originator counter");
        fields.Add(new("originator counter", counterAt, 8));

        at = r.Offset;
        r.Expect(0x08, "an 8-octet originator system title");
        var originator = new Eui(r.UInt64("the originator system title"));
        fields.Add(new("originator (Business Originator ID)", at, 9));
        at = r.Offset;
        r.Expect(0x08, "an 8-octet recipient system title");
        var recipient = new Eui(r.UInt64("the recipient system title"));
        fields.Add(new("recipient (Business Target ID)", at, 9));

        at = r.Offset;
        var dtLength = r.Byte("the date-time length");
        if (dtLength is not (0 or 12)) throw OctetReader.Fail(at, $"a date-time of 0 or 12 octets, found {dtLength}");
        var dateTime = r.Take(dtLength, "the date-time").ToArray();
        fields.Add(new("date-time", at, 1 + dtLength));

        at = r.Offset;
        var otherLength = r.Length("the other-information length");
        if (otherLength < 2) throw OctetReader.Fail(at, $"other-information holding at least the 2-octet Message Code, found {otherLength} octets");
        var other = r.Sub(otherLength, "the other-information");
        var codeAt = other.Offset;
        var code = other.UInt16("the Message Code");
        fields.Add(new("other-information length", at, codeAt - at));
        fields.Add(new("Message Code", codeAt, 2));
        Eui? remoteParty = null;
        ulong? remoteCounter = null, supplementaryCounter = null;
        if (other.Remaining == 8)
        {
            var ra = other.Offset;
            remoteParty = new Eui(other.UInt64("the Supplementary Remote Party ID"));
            fields.Add(new("Supplementary Remote Party ID", ra, 8));
        }
        else if (other.Remaining >= 16)
        {
            var ra = other.Offset;
            remoteParty = new Eui(other.UInt64("the Supplementary Remote Party ID"));
            remoteCounter = other.UInt64("the Supplementary Remote Party counter");
            fields.Add(new("Supplementary Remote Party ID and counter", ra, 16));
            if (other.Remaining == 8)
            {
                fields.Add(new("Supplementary Originator Counter", other.Offset, 8));
                supplementaryCounter = other.UInt64("the Supplementary Originator Counter");
            }
        }
        var restAt = other.Offset;
        var rest = other.Take(other.Remaining, "the rest of the other-information").ToArray();
        if (rest.Length > 0) fields.Add(new("other-information (certificate)", restAt, rest.Length));

        at = r.Offset;
        var contentLength = r.Length("the content length");
        if (contentLength > r.Remaining)
            throw OctetReader.Fail(at, $"content of {contentLength} octets, but only {r.Remaining} follow");
        fields.Add(new("content length", at, r.Offset - at));
        var contentAt = r.Offset;
        var content = r.Sub(contentLength, "the content");
        var contentOctets = content.Take(contentLength, "the content").ToArray();
        fields.Add(new("content", contentAt, contentLength));

        ReadOnlyMemory<byte>? signature = null;
        // Responses and alerts always carry the signature field, empty when unsigned (GBCS 4.3.1); only a Pre-Command has none.
        if (r.AtEnd && (CraFlag)cra != CraFlag.Command)
            throw r.Fail("the signature length (responses and alerts carry the signature field, empty when unsigned)");
        if (!r.AtEnd)
        {
            at = r.Offset;
            var sig = r.Counted("the signature");
            if (sig.Length is not (0 or 64)) throw OctetReader.Fail(at, $"a signature of 0 or 64 octets (ECDSA P-256, GBCS 4.3.3), found {sig.Length}");
            signature = sig.ToArray();
            fields.Add(new("signature length", at, 1));
            if (sig.Length > 0) fields.Add(new("signature", at + 1, sig.Length));
            r.ExpectEnd("the message after its signature");
        }

        var header = new GbcsHeader((CraFlag)cra, counter, originator, recipient, dateTime, code, remoteParty, remoteCounter, supplementaryCounter, rest);
        var entry = MessageCodes.Find(code, (CraFlag)cra);
        if (!readPayload) return new ParsedGbcsMessage(header, null, new UnreadPayload { Offset = contentAt }, contentOctets, signature, entry, fields, 0, 0);
        if (entry is null) throw OctetReader.Fail(codeAt, $"a Message Code of GBCS Table 13.3 (Use Cases) or 16.? (alerts), found 0x{code:X4}");
        var payload = ReadPayload(contentOctets, contentAt, (CraFlag)cra, entry);
        return new ParsedGbcsMessage(header, null, payload, contentOctets, signature, entry, fields, 0, 0);
    }

    private static GbcsPayload ReadPayload(byte[] content, int offset, CraFlag cra, MessageCodeEntry entry)
    {
        var r = new OctetReader(content.AsMemory(), offset);
        if (content.Length == 0) throw OctetReader.Fail(offset, $"{entry.Kind} content for {entry}, found none");
        var first = content[0];
        var kind = first switch
        {
            DlmsApdu.AccessRequestTag or DlmsApdu.AccessResponseTag or DlmsApdu.DataNotificationTag => GbcsPayloadKind.Dlms,
            0x01 when content.Length > 1 && content[1] == 0x09 => GbcsPayloadKind.Gbz,
            _ => GbcsPayloadKind.Asn1,
        };
        if (!entry.Carries(kind))
            throw OctetReader.Fail(offset, $"{Describe(entry.Kind, cra)} content, as Message Code 0x{entry.Code:X4} ({entry.UseCase}) carries, found 0x{first:X2}");
        GbcsPayload payload = (kind, cra) switch
        {
            (GbcsPayloadKind.Dlms, CraFlag.Command) => DlmsAccessRequest.Read(ref r),
            (GbcsPayloadKind.Dlms, CraFlag.Response) => DlmsAccessResponse.Read(ref r),
            (GbcsPayloadKind.Dlms, _) => DlmsDataNotification.Read(ref r),
            (GbcsPayloadKind.Gbz, _) => GbzPayload.Read(ref r, cra == CraFlag.Alert),
            _ => Asn1Payload.Read(ref r),
        };
        return payload with { Offset = offset };
    }

    private static string Describe(GbcsPayloadKind kind, CraFlag cra) => (kind, cra) switch
    {
        (GbcsPayloadKind.Dlms, CraFlag.Command) => "DLMS access-request (0xD9)",
        (GbcsPayloadKind.Dlms, CraFlag.Response) => "DLMS access-response (0xDA)",
        (GbcsPayloadKind.Dlms, _) => "DLMS data-notification (0x0F)",
        (GbcsPayloadKind.Gbz, _) => "GBZ (Profile ID 0x0109)",
        _ => "ASN.1 DER",
    };
}

/// <summary>
/// General Block Transfer (IEC 62056-5-3 9.3.?, GBCS 7.3.?): a message too long for one frame is sent
/// as blocks, each 0xE0, block-control (0x80: last block), block number, acknowledged block number
/// and the block's octets; they are joined in block-number order.
/// </summary>
public static class GbtBlocks
{
    internal const byte LastBlock = 0x80;

    /// <summary>
    /// A message as General Block Transfer blocks of at most <paramref name="blockSize"/> octets of block data each: numbered
    /// from 1, no acknowledgement (block-number-ack 0), the last marked by block-control bit 7, not streamed (bit 6 clear).
    /// </summary>
    internal static byte[] Segment(ReadOnlySpan<byte> message, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockSize, 0xFFFF);
        var blocks = (message.Length + blockSize - 1) / blockSize;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blocks, 0xFFFF, nameof(message));
        var output = new List<byte>(message.Length + blocks * 10);
        for (var n = 1; n <= blocks; n++)
        {
            var data = message.Slice((n - 1) * blockSize, Math.Min(blockSize, message.Length - (n - 1) * blockSize));
            output.Add(0xE0);
            output.Add(n == blocks ? LastBlock : (byte)0x00);
            output.Add((byte)(n >> 8));
            output.Add((byte)n);
            output.Add(0);
            output.Add(0);
            // A-XDR length: one octet below 0x80, else 0x81 or 0x82 and the length.
            if (data.Length >= 0x100) { output.Add(0x82); output.Add((byte)(data.Length >> 8)); }
            else if (data.Length >= 0x80) output.Add(0x81);
            output.Add((byte)data.Length);
            output.AddRange(data);
        }
        return [.. output];
    }

    public static byte[] Reassemble(ReadOnlySpan<byte> bytes)
    {
        var r = new OctetReader(bytes);
        var blocks = new SortedDictionary<ushort, byte[]>();
        ushort? last = null;
        while (!r.AtEnd)
        {
            r.Expect(0xE0, "a General Block Transfer tag");
            var control = r.Byte("the GBT block-control");
            var at = r.Offset;
            var number = r.UInt16("the GBT block number");
            r.UInt16("the GBT acknowledged block number");
            var data = r.Counted("the GBT block data").ToArray();
            if (!blocks.TryAdd(number, data)) throw OctetReader.Fail(at, $"a GBT block number not seen before, found {number} again");
            if ((control & LastBlock) != 0) last = number;
        }
        if (last is not { } end) throw OctetReader.Fail(bytes.Length, "a GBT block marked last (block-control 0x80)");
        var joined = new List<byte>();
        for (ushort n = 1; n <= end; n++)
        {
            if (!blocks.TryGetValue(n, out var block)) throw OctetReader.Fail(bytes.Length, $"GBT block {n} of {end}");
            joined.AddRange(block);
        }
        return [.. joined];
    }
}
