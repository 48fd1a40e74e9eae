using System.Buffers.Binary;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// Reads the GBCS Message Code from the General Signing header of a (Signed) Pre-Command (GBCS
/// 4.3.1: tag 0xDF 0x09, CRA flag, 8-byte originator counter, originator and recipient system
/// titles (length-prefixed), date-time (0x00, or 0x0C and 12 octets), then "other information":
/// a length octet and the 2-octet Message Code).
/// </summary>
internal static class GbcsMessageHeader
{
    public static bool TryReadMessageCode(ReadOnlySpan<byte> command, out ushort messageCode)
    {
        messageCode = 0;
        if (command.Length < 2 || command[0] != 0xDF || command[1] != 0x09) return false;
        var at = 2 + 1 + 8;
        for (var i = 0; i < 2; i++)
        {
            if (at >= command.Length) return false;
            at += 1 + command[at];
        }
        if (at >= command.Length) return false;
        at += command[at] switch
        {
            0x00 => 1,
            0x0C => 13,
            _ => int.MaxValue / 2,
        };
        if (at + 3 > command.Length || command[at] < 2) return false;
        messageCode = BinaryPrimitives.ReadUInt16BigEndian(command.Slice(at + 1, 2));
        return true;
    }
}
