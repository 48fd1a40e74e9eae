using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs;

/// <summary>Who sent a GBCS message (GBCS 4.3.1, the CRA Flag of the Transaction ID).</summary>
public enum CraFlag : byte
{
    Command = 0x01,
    Response = 0x02,
    Alert = 0x03,
}

/// <summary>
/// One GBCS message (GBCS 4.3): the General Signing header (tag 0xDF: Transaction ID = CRA Flag and
/// originator counter, originator and recipient system titles, date-time, Message Code), the
/// ZigBee/DLMS/ASN.1 content, and the signature, optionally wrapped in the General Ciphering MAC
/// header (tag 0xDD, security header 0x11 and invocation counter) with its 12-octet MAC.
/// Pre-Commands and responses to Critical commands travel without the MAC header; Commands and
/// other responses with it. A Pre-Command has no signature field at all (<see cref="Signature"/>
/// null); a Command sent without one carries a zero-length signature. <see cref="OtherInformation"/>
/// holds what follows the Message Code in the other-information field (for commands the DCC
/// originates on a User's behalf: that User's ID and counter).
/// </summary>
public sealed record GbcsMessage(
    CraFlag Cra,
    ulong OriginatorCounter,
    Eui Originator,
    Eui Recipient,
    DateTimeOffset? DateTime,
    ushort MessageCode,
    ReadOnlyMemory<byte> Content,
    ReadOnlyMemory<byte>? Signature,
    GbcsMac? Mac,
    ReadOnlyMemory<byte> OtherInformation = default)
{
    private const byte GeneralCiphering = 0xDD, GeneralSigning = 0xDF, SecurityControl = 0x11;

    public string MessageCodeText => $"0x{MessageCode:X4}";

    /// <summary>The date-time octets as read (their day of week, deviation and clock status are kept when written back unchanged).</summary>
    private byte[]? DateTimeOctets { get; init; }

    /// <summary>Reads a message; false (with the reason) when it is not a GBCS General Signing message, MAC-wrapped or not.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out GbcsMessage? message, [NotNullWhen(false)] out string? problem)
    {
        message = null;
        var r = new Reader(bytes);
        GbcsMac? mac = null;
        ReadOnlySpan<byte> signed = bytes;
        if (r.Peek() == GeneralCiphering)
        {
            r.Skip(1);
            // transaction-id, originator- and recipient-system-title, date-time, other-information: empty; key-info absent.
            for (var i = 0; i < 6; i++)
                if (r.Byte() != 0x00) { problem = "the General Ciphering header's fields are not empty as GBCS 4.3.2 requires"; return false; }
            var length = r.Length();
            if (length < 5 + 12 || r.Remaining != length) { problem = $"the ciphered content length {length} does not match the {r.Remaining} octets that follow"; return false; }
            if (r.Byte() != SecurityControl) { problem = "the security header is not 0x11 (authentication only)"; return false; }
            var invocation = BinaryPrimitives.ReadUInt32BigEndian(r.Take(4));
            signed = r.Rest()[..^12];
            mac = new GbcsMac(invocation, r.Rest()[^12..].ToArray());
            r = new Reader(signed);
        }
        if (!r.Ok || r.Byte() != GeneralSigning) { problem = "the message does not start with a General Signing header (0xDF)"; return false; }
        if (r.Byte() != 0x09) { problem = r.Ok ? "the Transaction ID is not 9 octets" : Truncated(bytes.Length); return false; }
        var cra = r.Byte();
        if (cra is < 1 or > 3) { problem = r.Ok ? $"CRA Flag 0x{cra:X2} is not Command, Response or Alert" : Truncated(bytes.Length); return false; }
        var counter = BinaryPrimitives.ReadUInt64BigEndian(r.Take(8));
        if (r.Byte() != 8) { problem = r.Ok ? "the originator system title is not 8 octets" : Truncated(bytes.Length); return false; }
        var originator = new Eui(BinaryPrimitives.ReadUInt64BigEndian(r.Take(8)));
        if (r.Byte() != 8) { problem = r.Ok ? "the recipient system title is not 8 octets" : Truncated(bytes.Length); return false; }
        var recipient = new Eui(BinaryPrimitives.ReadUInt64BigEndian(r.Take(8)));
        DateTimeOffset? at = null;
        byte[]? dateTimeOctets = null;
        switch (r.Byte())
        {
            case 0x00: break;
            case 0x0C: dateTimeOctets = r.Take(12).ToArray(); at = DlmsDateTime.Read(dateTimeOctets); break;
            default: problem = "the date-time is neither absent nor 12 octets"; return false;
        }
        var other = r.Length();
        if (other < 2) { problem = r.Ok ? "the other-information carries no Message Code" : Truncated(bytes.Length); return false; }
        var code = BinaryPrimitives.ReadUInt16BigEndian(r.Take(2));
        var otherInformation = r.Take(other - 2).ToArray();
        var contentLength = r.Length();
        var content = r.Take(contentLength).ToArray();
        byte[]? signature = null;
        if (r.Ok && r.Remaining > 0)
        {
            var signatureLength = r.Length();
            signature = r.Take(signatureLength).ToArray();
        }
        if (!r.Ok) { problem = $"the message ends after {bytes.Length} octets, before the end its declared lengths give"; return false; }
        if (r.Remaining != 0) { problem = $"{r.Remaining} octets follow the signature"; return false; }
        message = new GbcsMessage((CraFlag)cra, counter, originator, recipient, at, code, content,
            signature is null ? (ReadOnlyMemory<byte>?)null : signature, mac, otherInformation) { DateTimeOctets = dateTimeOctets };
        problem = null;
        return true;
    }

    private static string Truncated(int length) => $"the message ends after {length} octets, inside its General Signing header";

    public static GbcsMessage Read(ReadOnlySpan<byte> bytes) =>
        TryRead(bytes, out var message, out var problem) ? message : throw new FormatException($"Not a GBCS message: {problem}.");

    /// <summary>The General Signing part (what a Pre-Command is, and what a signature covers).</summary>
    public byte[] WriteSigned()
    {
        var w = new Writer(64 + Content.Length + (Signature?.Length ?? 0));
        WriteGeneralSigning(ref w);
        return w.ToArray();
    }

    /// <summary>The whole message: MAC-wrapped when <see cref="Mac"/> is set.</summary>
    public byte[] Write()
    {
        if (Mac is not { } mac) return WriteSigned();
        var signed = WriteSigned();
        var w = new Writer(signed.Length + 32);
        w.Byte(GeneralCiphering);
        for (var i = 0; i < 6; i++) w.Byte(0x00);
        w.Length(1 + 4 + signed.Length + 12);
        w.Byte(SecurityControl);
        w.UInt32(mac.InvocationCounter);
        w.Bytes(signed);
        w.Bytes(mac.Tag.Span);
        return w.ToArray();
    }

    private void WriteGeneralSigning(ref Writer w)
    {
        w.Byte(GeneralSigning);
        w.Byte(0x09);
        w.Byte((byte)Cra);
        w.UInt64(OriginatorCounter);
        w.Byte(8); w.UInt64(Originator.Value);
        w.Byte(8); w.UInt64(Recipient.Value);
        if (DateTimeOctets is { } octets && DlmsDateTime.Read(octets) == DateTime) { w.Byte(0x0C); w.Bytes(octets); }
        else if (DateTime is { } at) { w.Byte(0x0C); DlmsDateTime.Write(ref w, at); }
        else w.Byte(0x00);
        w.Length(2 + OtherInformation.Length);
        w.UInt16(MessageCode);
        w.Bytes(OtherInformation.Span);
        w.Length(Content.Length);
        w.Bytes(Content.Span);
        if (Signature is { } signature)
        {
            w.Length(signature.Length);
            w.Bytes(signature.Span);
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;
        public bool Ok { get; private set; } = true;
        public readonly int Remaining => Math.Max(0, _bytes.Length - _at);
        public readonly int Peek() => _at < _bytes.Length ? _bytes[_at] : -1;
        public readonly ReadOnlySpan<byte> Rest() => _bytes[Math.Min(_at, _bytes.Length)..];

        public byte Byte() => Take(1) is { Length: 1 } b ? b[0] : (byte)0;
        public void Skip(int n) => Take(n);

        public ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || _at + n > _bytes.Length) { Ok = false; _at = _bytes.Length; return new byte[Math.Max(n, 0)]; }
            var s = _bytes.Slice(_at, n);
            _at += n;
            return s;
        }

        /// <summary>A BER length: one octet below 0x80, else 0x81/0x82 and one or two octets.</summary>
        public int Length()
        {
            var first = Byte();
            return first switch
            {
                < 0x80 => first,
                0x81 => Byte(),
                0x82 => (Byte() << 8) | Byte(),
                _ => SetFailed(),
            };
        }

        private int SetFailed() { Ok = false; return 0; }
    }
}

/// <summary>The General Ciphering part of a MAC-wrapped GBCS message: the invocation counter and the 12-octet MAC (GBCS 4.3.2).</summary>
public sealed record GbcsMac(uint InvocationCounter, ReadOnlyMemory<byte> Tag);

/// <summary>A growable big-endian byte writer for GBCS and DLMS encodings.</summary>
internal ref struct Writer(int capacity)
{
    private byte[] _buffer = new byte[Math.Max(capacity, 16)];
    private int _length;

    public readonly int Position => _length;

    public void Byte(byte b) { Ensure(1); _buffer[_length++] = b; }
    public void UInt16(ushort v) { Ensure(2); BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length), v); _length += 2; }
    public void UInt32(uint v) { Ensure(4); BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), v); _length += 4; }
    public void UInt64(ulong v) { Ensure(8); BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), v); _length += 8; }
    public void Bytes(ReadOnlySpan<byte> b) { Ensure(b.Length); b.CopyTo(_buffer.AsSpan(_length)); _length += b.Length; }

    /// <summary>A BER length (GBCS uses the definite form: short below 128, else 0x81 or 0x82).</summary>
    public void Length(int n)
    {
        if (n < 0x80) Byte((byte)n);
        else if (n <= 0xFF) { Byte(0x81); Byte((byte)n); }
        else { Byte(0x82); UInt16(checked((ushort)n)); }
    }

    public readonly byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    private void Ensure(int n)
    {
        if (_length + n <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + n));
    }
}

/// <summary>The 12-octet DLMS date-time GBCS headers and payloads carry (IEC 62056-62 4.1.6.1), always in UTC.</summary>
public static class DlmsDateTime
{
    public static DateTimeOffset? Read(ReadOnlySpan<byte> b)
    {
        var year = BinaryPrimitives.ReadUInt16BigEndian(b);
        if (year is 0 or > 9999 || b[2] is 0 or > 12 || b[3] is 0 || b[3] > DateTime.DaysInMonth(year, b[2]) || b[5] > 23 || b[6] > 59 || b[7] > 59) return null;
        var hundredths = b[8] > 99 ? 0 : b[8];
        return new DateTimeOffset(year, b[2], b[3], b[5], b[6], b[7], hundredths * 10, TimeSpan.Zero);
    }

    internal static byte[] Octets(DateTimeOffset at)
    {
        var w = new Writer(12);
        Write(ref w, at);
        return w.ToArray();
    }

    internal static void Write(ref Writer w, DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        w.UInt16((ushort)utc.Year);
        w.Byte((byte)utc.Month);
        w.Byte((byte)utc.Day);
        w.Byte(0xFF); // day of week not specified
        w.Byte((byte)utc.Hour);
        w.Byte((byte)utc.Minute);
        w.Byte((byte)utc.Second);
        w.Byte(0x00);
        w.UInt16(0x8000); // deviation not specified: UTC
        w.Byte(0xFF); // clock status not specified, as the RTDS headers carry it
    }
}
