using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs;

/// <summary>
/// The few DLMS COSEM encodings the emulated ESME writes (IEC 62056-5-3 A-XDR, as GBCS 7.2 uses them
/// in the access-response of a General Signing message).
/// </summary>
internal static class Dlms
{
    public const byte AccessResponse = 0xDA, Array = 0x01;
    public const byte DoubleLong = 0x05, DoubleLongUnsigned = 0x06, Structure = 0x02, Integer = 0x0F, Enum = 0x16, OctetString = 0x09, LongUnsigned = 0x12;

    /// <summary>Units of the COSEM scaler_unit (IEC 62056-6-2): Wh 30, varh 32.</summary>
    public const byte Wh = 30, Varh = 32;

    /// <summary>
    /// An access-response: long-invoke-id-and-priority, no date-time, no access-request-specification,
    /// the list of data, and a "get success" access-response-specification for each item
    /// (as the RTDS ECS17a response is laid out).
    /// </summary>
    public static byte[] AccessResponseOf(ulong counter, params byte[][] data)
    {
        var w = new Writer(16 + data.Sum(d => d.Length) + 2 * data.Length);
        w.Byte(AccessResponse);
        w.UInt32(InvokeId(counter));
        w.Byte(0x00); // date-time absent
        w.Byte(0x00); // access-request-specification absent
        w.Length(data.Length);
        foreach (var d in data) w.Bytes(d);
        w.Length(data.Length);
        for (var i = 0; i < data.Length; i++) { w.Byte(0x01); w.Byte(0x00); } // get, success
        return w.ToArray();
    }

    /// <summary>
    /// An access-response whose data GBCS encrypts (GBCS 7.2.x protected attributes, laid out as the RTDS
    /// ECS17b and ECS19 responses are): one data item, a structure of the protection parameters (agreed-key
    /// encryption, transaction ID 0x04 ‖ originator counter, the Device's and the recipient's system titles)
    /// and the ciphered information (0x31, invocation counter, the data as one structure, a tag), with an
    /// action-success specification. The data stands in plaintext here: the Device's GBCS security
    /// encrypts it for the recipient as it sends the response.
    /// </summary>
    public static byte[] ProtectedAccessResponseOf(ulong counter, Eui device, Eui recipient, params byte[][] data)
    {
        var plain = new Writer(8 + data.Sum(d => d.Length));
        plain.Byte(Structure); plain.Byte(1);
        plain.Byte(Structure); plain.Length(data.Length);
        foreach (var d in data) plain.Bytes(d);
        var plaintext = plain.ToArray();

        var w = new Writer(96 + plaintext.Length);
        w.Byte(AccessResponse);
        w.UInt32(InvokeId(counter));
        w.Byte(0x00); // date-time absent
        w.Byte(0x00); // access-request-specification absent
        w.Length(1);
        w.Byte(Structure); w.Byte(2);
        w.Byte(Array); w.Byte(1); // the protection parameters
        w.Byte(Structure); w.Byte(2); w.Byte(Enum); w.Byte(0x02);
        w.Byte(Structure); w.Byte(5);
        w.Byte(OctetString); w.Byte(9); w.Byte(0x04); w.UInt64(counter);
        w.Byte(OctetString); w.Byte(8); w.UInt64(device.Value);
        w.Byte(OctetString); w.Byte(8); w.UInt64(recipient.Value);
        w.Byte(OctetString); w.Byte(0); // date-time absent
        w.Bytes([Structure, 2, Enum, 0x02, Structure, 2, OctetString, 1, 0x02, OctetString, 0]); // agreed key
        w.Byte(OctetString);
        w.Length(5 + plaintext.Length + 12);
        w.Byte(0x31); w.UInt32(0); // security header, invocation counter
        w.Bytes(plaintext);
        w.Bytes(new byte[12]); // the tag, made when the Device encrypts
        w.Length(1);
        w.Byte(0x03); w.Byte(0x00); // action, success
        return w.ToArray();
    }

    /// <summary>GBCS long-invoke-id: 0x20 (priority/service class) then the low three octets of the originator counter (RTDS headers).</summary>
    public static uint InvokeId(ulong counter) => 0x2000_0000u | (uint)(counter & 0x00FF_FFFF);

    public static byte[] Unsigned32(ulong value) =>
        [DoubleLongUnsigned, (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] Signed32(long value)
    {
        var v = (int)Math.Clamp(value, int.MinValue, int.MaxValue);
        return [DoubleLong, (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
    }

    public static byte[] ScalerUnit(sbyte scaler, byte unit) => [Structure, 2, Integer, (byte)scaler, Enum, unit];

    public static byte[] EnumValue(byte value) => [Enum, value];

    public static byte[] Octets(ReadOnlySpan<byte> value)
    {
        var w = new Writer(value.Length + 3);
        w.Byte(OctetString);
        w.Length(value.Length);
        w.Bytes(value);
        return w.ToArray();
    }
}
