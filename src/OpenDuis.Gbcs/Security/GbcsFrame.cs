namespace OpenDuis.Gbcs.Security;

/// <summary>
/// Where the parts GBCS security covers lie in the octets of a message as received (GBCS 4.3.2):
/// the General Signing APDU (what the MAC covers), the signed data (the APDU after its 0xDF tag up
/// to the end of the content: what a signature covers), and the MAC. Built on a message
/// <see cref="GbcsMessage.TryRead"/> accepted, so the lengths are known to hold.
/// </summary>
internal readonly ref struct GbcsFrame
{
    public ReadOnlySpan<byte> GeneralSigning { get; }
    public ReadOnlySpan<byte> SignedData { get; }
    public ReadOnlySpan<byte> Mac { get; }

    private GbcsFrame(ReadOnlySpan<byte> generalSigning, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> mac)
    {
        GeneralSigning = generalSigning;
        SignedData = signedData;
        Mac = mac;
    }

    public static GbcsFrame Of(ReadOnlySpan<byte> wire, GbcsMessage message)
    {
        var generalSigning = wire;
        var mac = ReadOnlySpan<byte>.Empty;
        if (message.Mac is not null)
        {
            // 0xDD, six empty header fields, the ciphered-content length, security header 0x11 and invocation counter.
            var header = 7 + wire[7] switch { < 0x80 => 1, 0x81 => 2, _ => 3 } + 5;
            generalSigning = wire[header..^GbcsSecurity.MacLength];
            mac = wire[^GbcsSecurity.MacLength..];
        }
        var signatureField = message.Signature is { } s ? BerSize(s.Length) + s.Length : 0;
        return new GbcsFrame(generalSigning, generalSigning[1..^signatureField], mac);
    }

    /// <summary>Octets a definite BER length takes: one below 128, else 0x81 or 0x82 and the value.</summary>
    public static int BerSize(int length) => length < 0x80 ? 1 : length <= 0xFF ? 2 : 3;
}
