namespace OpenDuis.Gbcs.Parse;

/// <summary>An ASN.1 DER payload (GBCS 7.2.?, the security credential and firmware Use Cases CS02, CS03, CS04, CS06, CS07): its top element.</summary>
public sealed record Asn1Payload(Asn1Node Root) : GbcsPayload
{
    public override GbcsPayloadKind Kind => GbcsPayloadKind.Asn1;

    internal static Asn1Payload Read(ref OctetReader r)
    {
        var root = Asn1Node.Read(ref r, 0);
        r.ExpectEnd("the ASN.1 payload");
        return new(root);
    }
}

/// <summary>One BER TLV: its tag, and either its value octets (primitive) or its children (constructed).</summary>
public sealed record Asn1Node(byte TagClass, bool Constructed, int TagNumber, ReadOnlyMemory<byte> Value, IReadOnlyList<Asn1Node> Children, int Offset)
{
    public const int Integer = 2, OctetString = 4, Null = 5, Enumerated = 10, Sequence = 16, GeneralizedTime = 24;

    public bool IsUniversal(int number) => TagClass == 0 && TagNumber == number;
    public bool IsContext(int number) => TagClass == 2 && TagNumber == number;

    /// <summary>The value of an INTEGER or ENUMERATED (two's complement, big-endian).</summary>
    public System.Numerics.BigInteger AsInteger() => new(Value.Span, isUnsigned: false, isBigEndian: true);

    internal static Asn1Node Read(ref OctetReader r, int depth)
    {
        if (depth > 32) throw r.Fail("ASN.1 nested no deeper than 32 levels");
        var at = r.Offset;
        var first = r.Byte("an ASN.1 tag");
        var number = first & 0x1F;
        if (number == 0x1F)
        {
            number = 0;
            byte b;
            var n = 0;
            do
            {
                b = r.Byte("an ASN.1 high tag number octet");
                number = (number << 7) | (b & 0x7F);
                if (++n > 3) throw OctetReader.Fail(at, "an ASN.1 tag number of at most 3 octets");
            } while ((b & 0x80) != 0);
        }
        var lengthAt = r.Offset;
        var lengthOctet = r.Byte("an ASN.1 length");
        int length;
        if (lengthOctet < 0x80) length = lengthOctet;
        else if (lengthOctet is >= 0x81 and <= 0x83)
        {
            length = 0;
            for (var i = 0; i < (lengthOctet & 0x7F); i++) length = (length << 8) | r.Byte("an ASN.1 long-form length octet");
        }
        else throw OctetReader.Fail(lengthAt, $"a DER definite length, found 0x{lengthOctet:X2}");
        if (length > r.Remaining) throw OctetReader.Fail(lengthAt, $"an ASN.1 value of {length} octets, but only {r.Remaining} follow");
        var constructed = (first & 0x20) != 0;
        var valueAt = r.Offset;
        var value = r.Take(length, "an ASN.1 value");
        if (!constructed) return new((byte)(first >> 6), false, number, value.ToArray(), [], at);
        var inner = new OctetReader(value, valueAt);
        var children = new List<Asn1Node>();
        while (!inner.AtEnd) children.Add(Read(ref inner, depth + 1));
        return new((byte)(first >> 6), true, number, default, children, at);
    }
}
