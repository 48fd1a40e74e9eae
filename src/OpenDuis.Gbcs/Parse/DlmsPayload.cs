using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace OpenDuis.Gbcs.Parse;

/// <summary>The A-XDR Data types GBCS payloads use (IEC 62056-6-2 4.1.5, the Data CHOICE tags).</summary>
public enum DlmsType : byte
{
    NullData = 0, Array = 1, Structure = 2, Boolean = 3, BitString = 4, DoubleLong = 5, DoubleLongUnsigned = 6,
    OctetString = 9, VisibleString = 10, Utf8String = 12, Bcd = 13, Integer = 15, Long = 16, Unsigned = 17,
    LongUnsigned = 18, CompactArray = 19, Long64 = 20, Long64Unsigned = 21, Enum = 22, Float32 = 23, Float64 = 24,
    DateTime = 25, Date = 26, Time = 27,
}

/// <summary>One A-XDR Data value: a number, octets, or the items of an array or structure.</summary>
public sealed class DlmsData
{
    private static readonly DlmsData[] NoItems = [];

    public DlmsType Type { get; }
    /// <summary>The value of an integer type (signed types sign-extended; unsigned up to 2^63 − 1 exactly, Long64Unsigned beyond wraps: use <see cref="UnsignedValue"/>).</summary>
    public long Value { get; }
    public ulong UnsignedValue => unchecked((ulong)Value);
    public ReadOnlyMemory<byte> Octets { get; }
    public IReadOnlyList<DlmsData> Items { get; }
    /// <summary>Offset of the type tag from the message's first octet.</summary>
    public int Offset { get; }

    private DlmsData(DlmsType type, int offset, long value = 0, ReadOnlyMemory<byte> octets = default, DlmsData[]? items = null)
    {
        Type = type; Offset = offset; Value = value; Octets = octets; Items = items ?? NoItems;
    }

    public bool IsInteger => Type is DlmsType.DoubleLong or DlmsType.DoubleLongUnsigned or DlmsType.Integer or DlmsType.Long
        or DlmsType.Unsigned or DlmsType.LongUnsigned or DlmsType.Long64 or DlmsType.Long64Unsigned or DlmsType.Enum or DlmsType.Bcd or DlmsType.Boolean;

    public string Text => Type switch
    {
        DlmsType.VisibleString or DlmsType.Utf8String => Encoding.UTF8.GetString(Octets.Span),
        DlmsType.Long64Unsigned => UnsignedValue.ToString(CultureInfo.InvariantCulture),
        _ when IsInteger => Value.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToHexString(Octets.Span),
    };

    public override string ToString() => Type switch
    {
        DlmsType.Array or DlmsType.Structure => $"{Type}[{string.Join(", ", Items)}]",
        DlmsType.NullData => "null",
        _ => $"{Type} {Text}",
    };

    internal static DlmsData Read(ref OctetReader r, int depth = 0)
    {
        if (depth > 32) throw r.Fail("Data nested no deeper than 32 levels");
        var at = r.Offset;
        var tag = r.Byte("an A-XDR Data type tag");
        if (tag == (byte)DlmsType.CompactArray) return ReadCompactArray(ref r, at);
        return ReadUntagged(ref r, tag, at, depth);
    }

    /// <summary>
    /// A compact-array (IEC 62056-6-2 4.1.6: a type description, then the elements' values without
    /// their tags, as one octet-string): read as the Array it stands for, so logs read like any other.
    /// </summary>
    private static DlmsData ReadCompactArray(ref OctetReader r, int at)
    {
        var type = TypeDescription.Read(ref r, 0);
        var contents = r.Sub(r.Length("the length of the compact-array contents"), "the compact-array contents");
        var items = new List<DlmsData>();
        while (!contents.AtEnd) items.Add(type.ReadValue(ref contents, 0));
        return new(DlmsType.Array, at, items.Count, items: [.. items]);
    }

    private sealed record TypeDescription(DlmsType Tag, int Count, TypeDescription[] Items)
    {
        public static TypeDescription Read(ref OctetReader r, int depth)
        {
            if (depth > 16) throw r.Fail("a compact-array type description nested no deeper than 16 levels");
            var tag = (DlmsType)r.Byte("a compact-array type description tag");
            switch (tag)
            {
                case DlmsType.Array:
                    {
                        var n = r.UInt16("the element count of an array type description");
                        return new(tag, n, [Read(ref r, depth + 1)]);
                    }
                case DlmsType.Structure:
                    {
                        var n = r.Length("the item count of a structure type description");
                        var items = new TypeDescription[n];
                        for (var i = 0; i < n; i++) items[i] = Read(ref r, depth + 1);
                        return new(tag, n, items);
                    }
                default: return new(tag, 0, []);
            }
        }

        public DlmsData ReadValue(ref OctetReader r, int depth)
        {
            var at = r.Offset;
            switch (Tag)
            {
                case DlmsType.Array:
                    {
                        var items = new DlmsData[Count];
                        for (var i = 0; i < Count; i++) items[i] = Items[0].ReadValue(ref r, depth + 1);
                        return new(DlmsType.Array, at, Count, items: items);
                    }
                case DlmsType.Structure:
                    {
                        var items = new DlmsData[Count];
                        for (var i = 0; i < Count; i++) items[i] = Items[i].ReadValue(ref r, depth + 1);
                        return new(DlmsType.Structure, at, Count, items: items);
                    }
                default: return ReadUntagged(ref r, (byte)Tag, at, depth);
            }
        }
    }

    private static DlmsData ReadUntagged(ref OctetReader r, byte tag, int at, int depth)
    {
        switch ((DlmsType)tag)
        {
            case DlmsType.NullData: return new(DlmsType.NullData, at);
            case DlmsType.Array:
            case DlmsType.Structure:
                {
                    var countAt = r.Offset;
                    var n = r.Length(tag == (byte)DlmsType.Array ? "the item count of an array" : "the item count of a structure");
                    if (n > r.Remaining) throw OctetReader.Fail(countAt, $"{n} items, but only {r.Remaining} octets follow");
                    var items = new DlmsData[n];
                    for (var i = 0; i < n; i++) items[i] = Read(ref r, depth + 1);
                    return new((DlmsType)tag, at, n, items: items);
                }
            case DlmsType.Boolean: return new(DlmsType.Boolean, at, r.Byte("a boolean"));
            case DlmsType.BitString:
                {
                    var bits = r.Length("the bit count of a bit-string");
                    return new(DlmsType.BitString, at, bits, r.TakeMemory((bits + 7) / 8, "the bits of a bit-string"));
                }
            case DlmsType.DoubleLong: return new(DlmsType.DoubleLong, at, (int)r.UInt32("a double-long"));
            case DlmsType.DoubleLongUnsigned: return new(DlmsType.DoubleLongUnsigned, at, r.UInt32("a double-long-unsigned"));
            case DlmsType.OctetString:
            case DlmsType.VisibleString:
            case DlmsType.Utf8String:
                return new((DlmsType)tag, at, octets: r.CountedMemory("the octets of a string"));
            case DlmsType.Bcd: return new(DlmsType.Bcd, at, r.Byte("a bcd"));
            case DlmsType.Integer: return new(DlmsType.Integer, at, (sbyte)r.Byte("an integer"));
            case DlmsType.Long: return new(DlmsType.Long, at, (short)r.UInt16("a long"));
            case DlmsType.Unsigned: return new(DlmsType.Unsigned, at, r.Byte("an unsigned"));
            case DlmsType.LongUnsigned: return new(DlmsType.LongUnsigned, at, r.UInt16("a long-unsigned"));
            case DlmsType.Long64: return new(DlmsType.Long64, at, (long)r.UInt64("a long64"));
            case DlmsType.Long64Unsigned: return new(DlmsType.Long64Unsigned, at, unchecked((long)r.UInt64("a long64-unsigned")));
            case DlmsType.Enum: return new(DlmsType.Enum, at, r.Byte("an enum"));
            case DlmsType.Float32: return new(DlmsType.Float32, at, octets: r.TakeMemory(4, "a float32"));
            case DlmsType.Float64: return new(DlmsType.Float64, at, octets: r.TakeMemory(8, "a float64"));
            case DlmsType.DateTime: return new(DlmsType.DateTime, at, octets: r.TakeMemory(12, "a date-time"));
            case DlmsType.Date: return new(DlmsType.Date, at, octets: r.TakeMemory(5, "a date"));
            case DlmsType.Time: return new(DlmsType.Time, at, octets: r.TakeMemory(4, "a time"));
            default: throw OctetReader.Fail(at, $"an A-XDR Data type tag (IEC 62056-6-2), found 0x{tag:X2}");
        }
    }

    /// <summary>The 12-octet DLMS date-time an octet-string carries (GBCS date-times are octet-strings), or null.</summary>
    public DateTimeOffset? AsDateTime() =>
        Octets.Length == 12 && Type is DlmsType.OctetString or DlmsType.DateTime ? DlmsDateTime.Read(Octets.Span) : null;

    public DlmsData this[int index] => Items[index];
}

/// <summary>A COSEM attribute or method reference: class, OBIS instance, attribute or method (IEC 62056-5-3 Cosem-Attribute-Descriptor).</summary>
public readonly record struct CosemDescriptor(ushort ClassId, ulong Instance, byte Member)
{
    public string Obis => $"{(byte)(Instance >> 40)}-{(byte)(Instance >> 32)}:{(byte)(Instance >> 24)}.{(byte)(Instance >> 16)}.{(byte)(Instance >> 8)}.{(byte)Instance}";
    public override string ToString() => $"{ClassId}/{Obis}/{Member}";

    internal static CosemDescriptor Read(ref OctetReader r)
    {
        var cls = r.UInt16("a COSEM class id");
        var inst = r.Take(6, "a COSEM instance id (OBIS)");
        ulong id = 0;
        foreach (var b in inst) id = (id << 8) | b;
        return new(cls, id, r.Byte("a COSEM attribute or method id"));
    }
}

/// <summary>What was asked of one COSEM object in an access-request (IEC 62056-5-3 Access-Request-Specification).</summary>
public enum CosemAccess : byte { Get = 1, Set = 2, Action = 3, GetWithSelection = 4, SetWithSelection = 5 }

public sealed record CosemRequestItem(CosemAccess Access, CosemDescriptor Descriptor, byte? Selector, DlmsData? Parameters);

/// <summary>The outcome of one item of an access-response (Access-Response-Specification: the access kind and its Data-Access-Result or Action-Result).</summary>
public readonly record struct CosemResult(CosemAccess Access, byte Result)
{
    public bool Success => Result == 0;
}

/// <summary>A DLMS COSEM APDU a GBCS message carries (GBCS 7.2: access-request, access-response, data-notification).</summary>
public abstract record DlmsApdu(uint InvokeId, ReadOnlyMemory<byte> DateTimeOctets) : GbcsPayload
{
    public DateTimeOffset? DateTime => DateTimeOctets.Length == 12 ? DlmsDateTime.Read(DateTimeOctets.Span) : null;

    internal const byte AccessRequestTag = 0xD9, AccessResponseTag = 0xDA, DataNotificationTag = 0x0F;

    internal static (uint InvokeId, ReadOnlyMemory<byte> DateTime) ReadCommon(ref OctetReader r)
    {
        var invoke = r.UInt32("the long-invoke-id-and-priority");
        var at = r.Offset;
        var dt = r.Counted("the APDU date-time");
        if (dt.Length is not (0 or 12)) throw OctetReader.Fail(at, $"an APDU date-time of 0 or 12 octets, found {dt.Length}");
        return (invoke, dt.ToArray());
    }
}

/// <summary>The access-response of a DLMS response (GBCS 7.2.?, IEC 62056-5-3 9.5): the data read, and each item's result.</summary>
public sealed record DlmsAccessResponse(uint InvokeId, ReadOnlyMemory<byte> DateTimeOctets, IReadOnlyList<DlmsData> Data, IReadOnlyList<CosemResult> Results)
    : DlmsApdu(InvokeId, DateTimeOctets)
{
    public override GbcsPayloadKind Kind => GbcsPayloadKind.Dlms;
    public bool Success => Results.All(r => r.Success);

    internal static DlmsAccessResponse Read(ref OctetReader r)
    {
        r.Expect(AccessResponseTag, "the access-response tag");
        var (invoke, dt) = ReadCommon(ref r);
        var specAt = r.Offset;
        if (r.Byte("the access-request-specification presence octet") != 0)
            throw OctetReader.Fail(specAt, "no access-request-specification in the response (0x00), as GBCS responses carry none");
        var data = ReadList(ref r, "access-response-list-of-data", static (ref OctetReader x) => DlmsData.Read(ref x));
        var results = ReadList(ref r, "access-response-specification", static (ref OctetReader x) =>
        {
            var at = x.Offset;
            var kind = x.Byte("an access-response-specification choice");
            if (kind is < 1 or > 3) throw OctetReader.Fail(at, $"an access-response-specification choice get (1), set (2) or action (3), found {kind}");
            return new CosemResult((CosemAccess)kind, x.Byte("a data-access-result or action-result"));
        });
        r.ExpectEnd("the access-response");
        return new(invoke, dt, data, results);
    }

    internal delegate T ItemReader<T>(ref OctetReader r);

    internal static T[] ReadList<T>(ref OctetReader r, string what, ItemReader<T> item)
    {
        var at = r.Offset;
        var n = r.Length(what);
        if (n > r.Remaining) throw OctetReader.Fail(at, $"{n} items of the {what}, but only {r.Remaining} octets follow");
        var items = new T[n];
        for (var i = 0; i < n; i++) items[i] = item(ref r);
        return items;
    }
}

/// <summary>The access-request of a DLMS command (IEC 62056-5-3 9.5): what is asked of each COSEM object, and the data it carries.</summary>
public sealed record DlmsAccessRequest(uint InvokeId, ReadOnlyMemory<byte> DateTimeOctets, IReadOnlyList<CosemRequestItem> Items, IReadOnlyList<DlmsData> Data)
    : DlmsApdu(InvokeId, DateTimeOctets)
{
    public override GbcsPayloadKind Kind => GbcsPayloadKind.Dlms;

    internal static DlmsAccessRequest Read(ref OctetReader r)
    {
        r.Expect(AccessRequestTag, "the access-request tag");
        var (invoke, dt) = ReadCommon(ref r);
        var items = DlmsAccessResponse.ReadList(ref r, "access-request-specification", static (ref OctetReader x) =>
        {
            var at = x.Offset;
            var kind = x.Byte("an access-request-specification choice");
            if (kind is < 1 or > 5) throw OctetReader.Fail(at, $"an access-request-specification choice 1 to 5, found {kind}");
            var descriptor = CosemDescriptor.Read(ref x);
            if (kind is 4 or 5)
                return new CosemRequestItem((CosemAccess)kind, descriptor, x.Byte("an access-selector"), DlmsData.Read(ref x));
            return new CosemRequestItem((CosemAccess)kind, descriptor, null, null);
        });
        var data = DlmsAccessResponse.ReadList(ref r, "access-request-list-of-data", static (ref OctetReader x) => DlmsData.Read(ref x));
        r.ExpectEnd("the access-request");
        return new(invoke, dt, items, data);
    }
}

/// <summary>
/// A DLMS alert (GBCS 16.3 and 7.2.?: data-notification): the notification body is a structure of the
/// alert code (long-unsigned), the alert's date-time (octet-string) and, for some alerts, a payload.
/// </summary>
public sealed record DlmsDataNotification(uint InvokeId, ReadOnlyMemory<byte> DateTimeOctets, DlmsData Body)
    : DlmsApdu(InvokeId, DateTimeOctets)
{
    public override GbcsPayloadKind Kind => GbcsPayloadKind.Dlms;

    public ushort? AlertCode => Body.Type == DlmsType.Structure && Body.Items.Count >= 1 && Body[0].Type == DlmsType.LongUnsigned ? (ushort)Body[0].Value : null;
    public DateTimeOffset? AlertDateTime => Body.Type == DlmsType.Structure && Body.Items.Count >= 2 ? Body[1].AsDateTime() : null;
    public DlmsData? AlertPayload => Body.Type == DlmsType.Structure && Body.Items.Count >= 3 ? Body[2] : null;

    internal static DlmsDataNotification Read(ref OctetReader r)
    {
        r.Expect(DataNotificationTag, "the data-notification tag");
        var (invoke, dt) = ReadCommon(ref r);
        var body = DlmsData.Read(ref r);
        r.ExpectEnd("the data-notification");
        return new(invoke, dt, body);
    }
}

internal static class Be
{
    public static ulong Read(ReadOnlySpan<byte> b)
    {
        ulong v = 0;
        foreach (var x in b) v = (v << 8) | x;
        return v;
    }

    public static ushort U16(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt16BigEndian(b);
}
