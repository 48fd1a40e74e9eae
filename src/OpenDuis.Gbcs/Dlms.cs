namespace OpenDuis.Gbcs;

/// <summary>
/// The few DLMS COSEM encodings the emulated ESME writes (IEC 62056-5-3 A-XDR, as GBCS 7.2 uses them
/// in the access-response of a General Signing message).
/// </summary>
internal static class Dlms
{
    public const byte AccessResponse = 0xDA;
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
