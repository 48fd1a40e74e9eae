namespace OpenDuis.Gbcs.Parse;

/// <summary>
/// A GBZ payload (GBCS 7.2.?: the ZigBee content of GSME and GPF messages): Profile ID 0x0109, the
/// number of Use-Case-specific components, for an alert its Alert Code and timestamp and the alert's
/// own fields, then the components, each a ZCL frame for one cluster, plain or ciphered.
/// </summary>
public sealed record GbzPayload(IReadOnlyList<GbzComponent> Components, GbzAlert? Alert) : GbcsPayload
{
    public const ushort ProfileId = 0x0109;
    public override GbcsPayloadKind Kind => GbcsPayloadKind.Gbz;

    /// <summary>Seconds since 2000-01-01 UTC (ZigBee UTCTime), as GBZ timestamps are written.</summary>
    public static readonly DateTimeOffset ZigBeeEpoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal static GbzPayload Read(ref OctetReader r, bool alert)
    {
        var at = r.Offset;
        var profile = r.UInt16("the GBZ Profile ID");
        if (profile != ProfileId) throw OctetReader.Fail(at, $"the GBZ Profile ID 0x0109, found 0x{profile:X4}");
        var count = r.Byte("the number of GBZ components");
        GbzAlert? alertPart = null;
        if (alert)
        {
            var code = r.UInt16("the GBZ Alert Code");
            var time = ZigBeeEpoch.AddSeconds(r.UInt32("the GBZ alert timestamp"));
            alertPart = GbzAlert.Read(ref r, code, time, ref count);
        }
        var components = new GbzComponent[count];
        for (var i = 0; i < count; i++) components[i] = GbzComponent.Read(ref r);
        r.ExpectEnd("the GBZ payload");
        return new(components, alertPart);
    }
}

/// <summary>
/// The alert part of a GBZ alert: its code and time, and the alert-specific fields GBCS defines for a
/// few codes (Future Dated outcome 0x8F66/0x8F67, firmware hash 0x8F1C/0x8F72, integrity warning 0x81A0).
/// </summary>
public sealed record GbzAlert(ushort AlertCode, DateTimeOffset Timestamp, GbzFutureDatedOutcome? FutureDated, ReadOnlyMemory<byte>? ImageHash, ushort? IntegrityWarning)
{
    internal static GbzAlert Read(ref OctetReader r, ushort code, DateTimeOffset time, ref byte count)
    {
        switch (code)
        {
            case 0x8F66 or 0x8F67 when count > 0:
                {
                    // One component: its length, the command's Message Code and counter, and the ZCL instruction it failed or ran.
                    var body = r.Sub(r.Byte("the length of the Future Dated outcome"), "the Future Dated outcome");
                    var fd = new GbzFutureDatedOutcome(body.UInt16("the Future Dated command's Message Code"), body.UInt64("the Future Dated command's originator counter"),
                        body.UInt16("the Future Dated instruction's cluster"), body.Byte("the Future Dated instruction's frame control"), body.Byte("the Future Dated instruction's command id"));
                    body.ExpectEnd("the Future Dated outcome");
                    count = 0;
                    return new(code, time, fd, null, null);
                }
            case 0x8F1C or 0x8F72 when count > 0:
                {
                    r.Expect(0x09, "the octet-string tag of the Calculated Manufacturer Image Hash");
                    var hash = r.Counted("the Calculated Manufacturer Image Hash").ToArray();
                    count = 0;
                    return new(code, time, null, hash, null);
                }
            case 0x81A0 when count > 0:
                count = 0;
                return new(code, time, null, null, r.UInt16("the Integrity Issue Warning"));
            default:
                return new(code, time, null, null, null);
        }
    }
}

public sealed record GbzFutureDatedOutcome(ushort MessageCode, ulong OriginatorCounter, ushort ClusterId, byte FrameControl, byte CommandId);

/// <summary>
/// One GBZ component: the extended header (control, cluster, length) and a ZCL frame, or for a
/// ciphered component the frame's header and the ciphered information (security control,
/// invocation counter, ciphertext and MAC) that only the recipient's keys open.
/// </summary>
public sealed record GbzComponent(byte Control, ushort ClusterId, DateTimeOffset? FromDateTime, ZclFrame? Frame, GbzCiphered? Ciphered, int Offset)
{
    public bool Encrypted => (Control & 0x02) != 0;

    internal static GbzComponent Read(ref OctetReader r)
    {
        var at = r.Offset;
        var control = r.Byte("a GBZ extended header control field");
        var cluster = r.UInt16("a GBZ extended header cluster id");
        var body = r.Sub(r.UInt16("a GBZ extended header length"), "a GBZ component");
        DateTimeOffset? from = null;
        if ((control & 0x10) != 0) from = GbzPayload.ZigBeeEpoch.AddSeconds(body.UInt32("the component's from date-time"));
        if ((control & 0x02) != 0)
        {
            body.Byte("the additional header control");
            body.Byte("the additional frame counter");
            var fc = body.Byte("the ZCL frame control");
            var tsn = body.Byte("the ZCL transaction sequence number");
            var cmd = body.Byte("the ZCL command id");
            var ciphered = body.Sub(body.UInt16("the length of the ciphered information"), "the ciphered information");
            var security = ciphered.Byte("the security control");
            var ic = ciphered.UInt32("the invocation counter");
            if (ciphered.Remaining < 12) throw ciphered.Fail("a ciphertext and a 12-octet MAC");
            var rest = ciphered.Take(ciphered.Remaining, "the ciphertext").ToArray();
            body.ExpectEnd("a ciphered GBZ component");
            return new(control, cluster, from, new ZclFrame(fc, tsn, cmd, default, null), new GbzCiphered(security, ic, rest), at);
        }
        var frame = ZclFrame.Read(ref body, cluster);
        return new(control, cluster, from, frame, null, at);
    }
}

public sealed record GbzCiphered(byte SecurityControl, uint InvocationCounter, ReadOnlyMemory<byte> CiphertextAndMac);

/// <summary>A ZCL frame (ZigBee Cluster Library 2.4): frame control, sequence number, command and its payload, read where the command is a general one.</summary>
public sealed record ZclFrame(byte FrameControl, byte Sequence, byte CommandId, ReadOnlyMemory<byte> Payload, IReadOnlyList<ZclAttribute>? Attributes)
{
    public bool ClusterSpecific => (FrameControl & 0x03) == 0x01;
    public bool FromServer => (FrameControl & 0x08) != 0;

    /// <summary>For a Default Response (general command 0x0B): the command answered and its status.</summary>
    public (byte Command, byte Status)? DefaultResponse => !ClusterSpecific && CommandId == 0x0B && Payload.Length >= 2 ? (Payload.Span[0], Payload.Span[1]) : null;

    internal static ZclFrame Read(ref OctetReader r, ushort cluster)
    {
        var fc = r.Byte("the ZCL frame control");
        if ((fc & 0x04) != 0) r.UInt16("the ZCL manufacturer code");
        var tsn = r.Byte("the ZCL transaction sequence number");
        var cmd = r.Byte("the ZCL command id");
        var payloadAt = r.Offset;
        var payload = r.TakeMemory(r.Remaining, "the ZCL payload");
        IReadOnlyList<ZclAttribute>? attributes = null;
        if ((fc & 0x03) == 0x00 && cmd == 0x01)
        {
            var p = new OctetReader(payload, payloadAt);
            var list = new List<ZclAttribute>();
            while (!p.AtEnd) list.Add(ZclAttribute.ReadRecord(ref p));
            attributes = list;
        }
        else if ((fc & 0x03) == 0x00 && cmd == 0x0B && payload.Length != 2)
        {
            throw OctetReader.Fail(payloadAt, $"a ZCL Default Response of command id and status (2 octets), found {payload.Length}");
        }
        return new(fc, tsn, cmd, payload, attributes);
    }
}

/// <summary>One record of a ZCL Read Attributes Response: attribute, status and, on success, its typed value.</summary>
public sealed record ZclAttribute(ushort Id, byte Status, byte DataType, ReadOnlyMemory<byte> Value, IReadOnlyList<ZclAttribute>? Elements)
{
    /// <summary>The value of an integer type (ZCL values are little-endian, ZCL 2.6.1).</summary>
    public ulong Unsigned
    {
        get
        {
            ulong v = 0;
            var b = Value.Span;
            for (var i = b.Length - 1; i >= 0; i--) v = (v << 8) | b[i];
            return v;
        }
    }

    public long Signed
    {
        get
        {
            var n = Value.Length;
            if (n == 0) return 0;
            var v = (long)Unsigned;
            var shift = 64 - 8 * n;
            return shift > 0 ? (v << shift) >> shift : v;
        }
    }

    internal static ZclAttribute ReadRecord(ref OctetReader r)
    {
        var id = r.UInt16LittleEndian("a ZCL attribute id");
        var status = r.Byte("a ZCL attribute status");
        if (status != 0) return new(id, status, 0, default, null);
        var type = r.Byte("a ZCL data type");
        return ReadValue(ref r, id, type);
    }

    internal static ZclAttribute ReadValue(ref OctetReader r, ushort id, byte type)
    {
        var at = r.Offset;
        switch (type)
        {
            case 0x41 or 0x42: return new(id, 0, type, r.TakeMemory(r.Byte("a ZCL string length"), "a ZCL string"), null);
            case 0x43 or 0x44: return new(id, 0, type, r.TakeMemory(r.UInt16LittleEndian("a ZCL long string length"), "a ZCL long string"), null);
            case 0x48 or 0x50 or 0x51:
                {
                    var elementType = r.Byte("a ZCL array element type");
                    var n = r.UInt16LittleEndian("a ZCL array element count");
                    var items = new ZclAttribute[n];
                    for (var i = 0; i < n; i++) items[i] = ReadValue(ref r, (ushort)i, elementType);
                    return new(id, 0, type, default, items);
                }
            case 0x4C:
                {
                    var n = r.UInt16LittleEndian("a ZCL structure element count");
                    var items = new ZclAttribute[n];
                    for (var i = 0; i < n; i++) items[i] = ReadValue(ref r, (ushort)i, r.Byte("a ZCL structure element type"));
                    return new(id, 0, type, default, items);
                }
        }
        var size = FixedSize(type);
        if (size < 0) throw OctetReader.Fail(at - 1, $"a ZCL data type (ZCL Table 2-10), found 0x{type:X2}");
        return new(id, 0, type, r.TakeMemory(size, "a ZCL value"), null);
    }

    private static int FixedSize(byte type) => type switch
    {
        0x00 => 0,
        >= 0x08 and <= 0x0F => type - 0x07,
        0x10 => 1,
        >= 0x18 and <= 0x1F => type - 0x17,
        >= 0x20 and <= 0x27 => type - 0x1F,
        >= 0x28 and <= 0x2F => type - 0x27,
        0x30 => 1, 0x31 => 2, 0x38 => 2, 0x39 => 4, 0x3A => 8,
        0xE0 or 0xE1 or 0xE2 => 4,
        0xE8 or 0xE9 => 2, 0xEA => 4, 0xF0 => 8, 0xF1 => 16,
        _ => -1,
    };
}
