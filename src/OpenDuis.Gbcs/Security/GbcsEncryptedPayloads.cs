using System.Buffers.Binary;

namespace OpenDuis.Gbcs.Security;

/// <summary>
/// Finds the encrypted payloads in a message's content (GBCS 7.2.x, 7.3.x): a GBZ component whose
/// extended-header control field has the encryption bit (0x02), and DLMS protected
/// attributes (an octet string that opens with the 0x31 security header, after the protection parameters).
/// The walk follows the encodings' own lengths; content it cannot walk has no encrypted payload found.
/// </summary>
internal static class GbcsEncryptedPayloads
{
    private const ushort GbzProfile = 0x0109;
    private const byte AccessResponse = 0xDA, DataNotification = 0x0F;

    /// <summary>Each encrypted payload as (offset, length) in the content: security header, ciphertext, tag.</summary>
    public static IReadOnlyList<(int Offset, int Length)> Find(GbcsMessage message)
    {
        var found = new List<(int, int)>();
        var content = message.Content.Span;
        try
        {
            if (content.Length >= 3 && BinaryPrimitives.ReadUInt16BigEndian(content) == GbzProfile) Gbz(content, message.Cra == CraFlag.Alert, found);
            else if (content.Length > 6 && content[0] is AccessResponse or DataNotification) Dlms(content, found);
        }
        catch (IndexOutOfRangeException)
        {
            found.Clear(); // not laid out as GBCS lays out an encrypted payload
        }
        catch (ArgumentOutOfRangeException)
        {
            found.Clear();
        }
        catch (FormatException)
        {
            found.Clear();
        }
        return found;
    }

    /// <summary>GBZ (GBCS 7.3): profile, component count, [alert code and time], then components.</summary>
    private static void Gbz(ReadOnlySpan<byte> c, bool alert, List<(int, int)> found)
    {
        var count = c[2];
        var at = alert ? 3 + 2 + 4 : 3;
        for (var i = 0; i < count && at + 5 <= c.Length; i++)
        {
            var control = c[at];
            var length = BinaryPrimitives.ReadUInt16BigEndian(c[(at + 3)..]);
            var body = at + 5;
            if (body + length > c.Length) return;
            // Encrypted: additional header (2), ZCL frame control, sequence, command ID, ciphered length (2), ciphered information.
            if ((control & 0x02) != 0 && length >= 7)
            {
                var ciphered = BinaryPrimitives.ReadUInt16BigEndian(c[(body + 5)..]);
                if (body + 7 + ciphered <= body + length && c[body + 7] == GbcsSecurity.EncryptedSecurityControl)
                    found.Add((body + 7, ciphered));
            }
            at = body + length;
        }
    }

    /// <summary>DLMS (GBCS 7.2): access-response or data-notification header, then A-XDR data items walked for protected attributes.</summary>
    private static void Dlms(ReadOnlySpan<byte> c, List<(int, int)> found)
    {
        var at = 5; // tag, long-invoke-id-and-priority
        at = c[at] switch { 0x00 => at + 1, 0x0C => at + 13, 0x09 => at + 2 + c[at + 1], _ => throw new FormatException() };
        if (c[0] == DataNotification)
        {
            Data(c, ref at, found);
            return;
        }
        if (c[at++] != 0x00) return; // an access-request-specification: not a response GBCS encrypts in
        var items = Length(c, ref at);
        for (var i = 0; i < items; i++) Data(c, ref at, found);
    }

    private static void Data(ReadOnlySpan<byte> c, ref int at, List<(int, int)> found)
    {
        var tag = c[at++];
        switch (tag)
        {
            case 0x00: break; // null
            case 0x01: // array
            case 0x02: // structure
            {
                var n = Length(c, ref at);
                var previous = -1;
                for (var i = 0; i < n; i++)
                {
                    // Protected attributes: an octet string opening with the security header, after the protection parameters.
                    if (previous is 0x01 or 0x02 && c[at] == 0x09)
                    {
                        var start = at + 1;
                        var length = Length(c, ref start);
                        if (length > 0 && c[start] == GbcsSecurity.EncryptedSecurityControl)
                        {
                            found.Add((start, length));
                            at = start + length;
                            previous = 0x09;
                            continue;
                        }
                    }
                    previous = c[at];
                    Data(c, ref at, found);
                }
                break;
            }
            case 0x09 or 0x0A or 0x0C: { var length = Length(c, ref at); at += length; break; } // octet, visible, utf8 string
            case 0x04: { var bits = Length(c, ref at); at += (bits + 7) / 8; break; } // bit-string
            case 0x03 or 0x0F or 0x11 or 0x16 or 0x0D: at += 1; break; // boolean, integer, unsigned, enum, bcd
            case 0x10 or 0x12: at += 2; break; // long, long-unsigned
            case 0x05 or 0x06 or 0x17: at += 4; break; // double-long(-unsigned), float32
            case 0x14 or 0x15 or 0x18: at += 8; break; // long64(-unsigned), float64
            case 0x19: at += 12; break; // date-time
            case 0x1A: at += 5; break; // date
            case 0x1B: at += 4; break; // time
            default: throw new FormatException();
        }
        if (at > c.Length) throw new FormatException();
    }

    private static int Length(ReadOnlySpan<byte> c, ref int at)
    {
        var first = c[at++];
        if (first < 0x80) return first;
        var n = first & 0x7F;
        var value = 0;
        for (var i = 0; i < n; i++) value = (value << 8) | c[at++];
        return value;
    }
}
