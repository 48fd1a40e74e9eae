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

    internal static DlmsData Read(ref OctetReader r, int depth = 0) => Read(ref r, depth, build: true)!;

    /// <summary>
    /// Reads past one Data value with every check <see cref="Read"/> makes (the same failure, at the same offset) but builds
    /// nothing: a response's items are checked when parsed and built only when asked for (a 1.4 KB tariff read is ≈ 300 values).
    /// </summary>
    internal static void Skip(ref OctetReader r) => Read(ref r, 0, build: false);

    private static DlmsData? Read(ref OctetReader r, int depth, bool build)
    {
        if (depth > 32) throw r.Fail("Data nested no deeper than 32 levels");
        var at = r.Offset;
        var tag = r.Byte("an A-XDR Data type tag");
        if (tag == (byte)DlmsType.CompactArray) return ReadCompactArray(ref r, at, build);
        return ReadUntagged(ref r, tag, at, depth, build);
    }

    /// <summary>
    /// A compact-array (IEC 62056-6-2 4.1.6: a type description, then the elements' values without
    /// their tags, as one octet-string): read as the Array it stands for, so logs read like any other.
    /// </summary>
    private static DlmsData? ReadCompactArray(ref OctetReader r, int at, bool build)
    {
        var type = TypeDescription.Read(ref r, 0);
        var contents = r.Sub(r.Length("the length of the compact-array contents"), "the compact-array contents");
        var items = build ? new List<DlmsData>() : null;
        while (!contents.AtEnd)
        {
            var item = type.ReadValue(ref contents, 0, build);
            items?.Add(item!);
        }
        return items is null ? null : new(DlmsType.Array, at, items.Count, items: [.. items]);
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

        public DlmsData? ReadValue(ref OctetReader r, int depth, bool build)
        {
            var at = r.Offset;
            switch (Tag)
            {
                case DlmsType.Array:
                case DlmsType.Structure:
                    {
                        var items = build ? new DlmsData[Count] : null;
                        for (var i = 0; i < Count; i++)
                        {
                            var item = Items[Tag == DlmsType.Array ? 0 : i].ReadValue(ref r, depth + 1, build);
                            if (items is not null) items[i] = item!;
                        }
                        return items is null ? null : new(Tag, at, Count, items: items);
                    }
                default: return ReadUntagged(ref r, (byte)Tag, at, depth, build);
            }
        }
    }

    private static DlmsData? ReadUntagged(ref OctetReader r, byte tag, int at, int depth, bool build)
    {
        switch ((DlmsType)tag)
        {
            case DlmsType.Array:
            case DlmsType.Structure:
                {
                    var countAt = r.Offset;
                    var n = r.Length(tag == (byte)DlmsType.Array ? "the item count of an array" : "the item count of a structure");
                    if (n > r.Remaining) throw OctetReader.Fail(countAt, $"{n} items, but only {r.Remaining} octets follow");
                    var items = build ? new DlmsData[n] : null;
                    for (var i = 0; i < n; i++)
                    {
                        var item = Read(ref r, depth + 1, build);
                        if (items is not null) items[i] = item!;
                    }
                    return items is null ? null : new((DlmsType)tag, at, n, items: items);
                }
            case DlmsType.OctetString:
            case DlmsType.VisibleString:
            case DlmsType.Utf8String:
                {
                    var octets = r.CountedMemory("the octets of a string");
                    return build ? new((DlmsType)tag, at, octets: octets) : null;
                }
            case DlmsType.BitString:
                {
                    var bits = r.Length("the bit count of a bit-string");
                    var octets = r.TakeMemory((bits + 7) / 8, "the bits of a bit-string");
                    return build ? new(DlmsType.BitString, at, bits, octets) : null;
                }
        }
        var value = ReadScalar(ref r, tag, at, out var fixedOctets);
        return !build ? null : fixedOctets.IsEmpty ? new((DlmsType)tag, at, value) : new((DlmsType)tag, at, octets: fixedOctets);
    }

    /// <summary>A value of fixed size: an integer's value, or (floats, dates, times) its octets.</summary>
    private static long ReadScalar(ref OctetReader r, byte tag, int at, out ReadOnlyMemory<byte> octets)
    {
        octets = default;
        switch ((DlmsType)tag)
        {
            case DlmsType.NullData: return 0;
            case DlmsType.Boolean: return r.Byte("a boolean");
            case DlmsType.DoubleLong: return (int)r.UInt32("a double-long");
            case DlmsType.DoubleLongUnsigned: return r.UInt32("a double-long-unsigned");
            case DlmsType.Bcd: return r.Byte("a bcd");
            case DlmsType.Integer: return (sbyte)r.Byte("an integer");
            case DlmsType.Long: return (short)r.UInt16("a long");
            case DlmsType.Unsigned: return r.Byte("an unsigned");
            case DlmsType.LongUnsigned: return r.UInt16("a long-unsigned");
            case DlmsType.Long64: return (long)r.UInt64("a long64");
            case DlmsType.Long64Unsigned: return unchecked((long)r.UInt64("a long64-unsigned"));
            case DlmsType.Enum: return r.Byte("an enum");
            case DlmsType.Float32: octets = r.TakeMemory(4, "a float32"); return 0;
            case DlmsType.Float64: octets = r.TakeMemory(8, "a float64"); return 0;
            case DlmsType.DateTime: octets = r.TakeMemory(12, "a date-time"); return 0;
            case DlmsType.Date: octets = r.TakeMemory(5, "a date"); return 0;
            case DlmsType.Time: octets = r.TakeMemory(4, "a time"); return 0;
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
        var data = DlmsItems.Read(ref r, "access-response-list-of-data");
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

/// <summary>
/// The items of an access-response's list-of-data, each checked in full when the response is parsed (<see cref="DlmsData.Skip"/>)
/// and built as a <see cref="DlmsData"/> only when first asked for; <see cref="Raw"/> gives an item's encoding, which a
/// renderer can read with <see cref="DlmsCursor"/> without building it at all.
/// </summary>
internal sealed class DlmsItems : IReadOnlyList<DlmsData>
{
    private readonly ReadOnlyMemory<byte>[] _raw;
    private readonly int[] _offsets;
    private readonly DlmsData?[] _built;

    private DlmsItems(ReadOnlyMemory<byte>[] raw, int[] offsets)
    {
        _raw = raw;
        _offsets = offsets;
        _built = new DlmsData?[raw.Length];
    }

    public static DlmsItems Read(ref OctetReader r, string what)
    {
        var at = r.Offset;
        var n = r.Length(what);
        if (n > r.Remaining) throw OctetReader.Fail(at, $"{n} items of the {what}, but only {r.Remaining} octets follow");
        var raw = new ReadOnlyMemory<byte>[n];
        var offsets = new int[n];
        for (var i = 0; i < n; i++)
        {
            offsets[i] = r.Offset;
            DlmsData.Skip(ref r);
            raw[i] = r.Since(offsets[i]);
        }
        return new(raw, offsets);
    }

    public int Count => _raw.Length;

    // Built from octets already checked, so building cannot fail; a race builds the same value twice, harmlessly.
    public DlmsData this[int index] => _built[index] ??= Build(index);

    private DlmsData Build(int index)
    {
        var r = new OctetReader(_raw[index], _offsets[index]);
        return DlmsData.Read(ref r);
    }

    /// <summary>The encoding of item <paramref name="index"/> (tag first).</summary>
    public ReadOnlySpan<byte> Raw(int index) => _raw[index].Span;

    public IEnumerator<DlmsData> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A forward reader over A-XDR Data already checked by <see cref="DlmsData.Skip"/>: values are read where they lie, so a
/// large read (a tariff's price table, its switching tables) renders without an object per value. Each Try method reads the
/// next value when it is of the kind asked for and otherwise leaves the cursor where it is.
/// </summary>
internal ref struct DlmsCursor(ReadOnlySpan<byte> octets)
{
    private readonly ReadOnlySpan<byte> _b = octets;
    private int _at;

    public readonly bool AtEnd => _at >= _b.Length;
    public readonly DlmsType Next => _at < _b.Length ? (DlmsType)_b[_at] : DlmsType.NullData;

    /// <summary>Enters an array or structure (not a compact-array): its item count.</summary>
    public bool TryEnter(DlmsType type, out int count)
    {
        count = 0;
        if (Next != type || _at + 1 >= _b.Length) return false;
        var at = _at + 1;
        count = Length(ref at);
        _at = at;
        return true;
    }

    public bool TryInteger(out long value)
    {
        value = 0;
        if (AtEnd) return false;
        var v = _b[(_at + 1)..];
        switch ((DlmsType)_b[_at])
        {
            case DlmsType.Boolean or DlmsType.Unsigned or DlmsType.Enum or DlmsType.Bcd: value = v[0]; _at += 2; return true;
            case DlmsType.Integer: value = (sbyte)v[0]; _at += 2; return true;
            case DlmsType.Long: value = BinaryPrimitives.ReadInt16BigEndian(v); _at += 3; return true;
            case DlmsType.LongUnsigned: value = BinaryPrimitives.ReadUInt16BigEndian(v); _at += 3; return true;
            case DlmsType.DoubleLong: value = BinaryPrimitives.ReadInt32BigEndian(v); _at += 5; return true;
            case DlmsType.DoubleLongUnsigned: value = BinaryPrimitives.ReadUInt32BigEndian(v); _at += 5; return true;
            case DlmsType.Long64 or DlmsType.Long64Unsigned: value = BinaryPrimitives.ReadInt64BigEndian(v); _at += 9; return true;
            default: return false;
        }
    }

    /// <summary>An octet-string's (or visible-string's) contents.</summary>
    public bool TryOctets(out ReadOnlySpan<byte> octets)
    {
        octets = default;
        if (Next is not (DlmsType.OctetString or DlmsType.VisibleString or DlmsType.Utf8String) || _at + 1 >= _b.Length) return false;
        var at = _at + 1;
        var n = Length(ref at);
        octets = _b.Slice(at, n);
        _at = at + n;
        return true;
    }

    /// <summary>Steps over the next value, whatever it is.</summary>
    public void Skip()
    {
        var type = (DlmsType)_b[_at++];
        switch (type)
        {
            case DlmsType.Array or DlmsType.Structure:
                {
                    var count = Length(ref _at);
                    for (var i = 0; i < count; i++) Skip();
                    return;
                }
            case DlmsType.CompactArray:
                {
                    SkipTypeDescription();
                    var contents = Length(ref _at);
                    _at += contents;
                    return;
                }
            case DlmsType.OctetString or DlmsType.VisibleString or DlmsType.Utf8String:
                {
                    var n = Length(ref _at);
                    _at += n;
                    return;
                }
            case DlmsType.BitString:
                {
                    var bits = Length(ref _at);
                    _at += (bits + 7) / 8;
                    return;
                }
            default:
                _at += FixedSize(type);
                return;
        }
    }

    private void SkipTypeDescription()
    {
        var tag = (DlmsType)_b[_at++];
        if (tag == DlmsType.Array)
        {
            _at += 2;
            SkipTypeDescription();
        }
        else if (tag == DlmsType.Structure)
        {
            var n = Length(ref _at);
            for (var i = 0; i < n; i++) SkipTypeDescription();
        }
    }

    private static int FixedSize(DlmsType type) => type switch
    {
        DlmsType.NullData => 0,
        DlmsType.Boolean or DlmsType.Unsigned or DlmsType.Enum or DlmsType.Bcd or DlmsType.Integer => 1,
        DlmsType.Long or DlmsType.LongUnsigned => 2,
        DlmsType.DoubleLong or DlmsType.DoubleLongUnsigned or DlmsType.Float32 or DlmsType.Time => 4,
        DlmsType.Date => 5,
        DlmsType.Long64 or DlmsType.Long64Unsigned or DlmsType.Float64 => 8,
        DlmsType.DateTime => 12,
        _ => 0,
    };

    private readonly int Length(ref int at)
    {
        var first = _b[at++];
        if (first < 0x80) return first;
        var n = first == 0x81 ? _b[at] : (_b[at] << 8) | _b[at + 1];
        at += first - 0x80;
        return n;
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
