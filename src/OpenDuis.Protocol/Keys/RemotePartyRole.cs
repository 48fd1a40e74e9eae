using System.Globalization;

namespace OpenDuis.Protocol.Keys;

/// <summary>
/// The Remote Party Role an SMKI Organisation Certificate is issued for (SMKI Certificate Policy;
/// GBCS 4.3.3.2), carried in the certificate's subject OU as two hex digits (e.g. "87").
/// </summary>
public readonly record struct RemotePartyRole(byte Value)
{
    public static readonly RemotePartyRole Root = new(0x00);
    public static readonly RemotePartyRole Recovery = new(0x01);
    public static readonly RemotePartyRole Supplier = new(0x02);
    public static readonly RemotePartyRole NetworkOperator = new(0x03);
    public static readonly RemotePartyRole AccessControlBroker = new(0x04);
    public static readonly RemotePartyRole TransitionalCoS = new(0x05);
    public static readonly RemotePartyRole WanProvider = new(0x06);
    public static readonly RemotePartyRole IssuingAuthority = new(0x07);
    public static readonly RemotePartyRole OtherUser = new(0x7F);

    /// <summary>xmlSign: a User's key for signing DUIS messages (R-MSG-3; otherwise E65).</summary>
    public static readonly RemotePartyRole XmlSign = new(0x87);

    /// <summary>The DSP's key for signing the DUIS messages the DCC sends to Users.</summary>
    public static readonly RemotePartyRole DspXmlSign = new(0x89);

    /// <summary>
    /// Reads the OU text. SMKI writes two hex digits; certificates of DCC Boxed before 1.4.1 wrote
    /// the xmlSign roles in decimal ("135", "137"), which three digits tell apart.
    /// </summary>
    public static bool TryParse(string? text, out RemotePartyRole role)
    {
        role = default;
        text = text?.Trim();
        if (text is { Length: 1 or 2 } && byte.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            role = new RemotePartyRole(hex);
            return true;
        }
        if (text is { Length: 3 } && byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var dec))
        {
            role = new RemotePartyRole(dec);
            return true;
        }
        return false;
    }

    /// <summary>The OU text: two upper-case hex digits.</summary>
    public string ToOu() => Value.ToString("X2", CultureInfo.InvariantCulture);

    public override string ToString() => Value switch
    {
        0x87 => "xmlSign (0x87)",
        0x89 => "DSP xmlSign (0x89)",
        0x02 => "supplier (0x02)",
        0x03 => "networkOperator (0x03)",
        0x04 => "accessControlBroker (0x04)",
        _ => $"0x{Value:X2}",
    };
}

/// <summary>What an Organisation Certificate's key is for (its keyUsage extension).</summary>
public enum CertificateKeyUsage
{
    DigitalSignature,
    KeyAgreement,
}
