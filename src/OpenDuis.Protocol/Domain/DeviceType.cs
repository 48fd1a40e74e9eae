namespace OpenDuis.Protocol.Domain;

/// <summary>Device types of the Smart Metering Inventory (XSD sr:DeviceType).</summary>
public enum DeviceType
{
    /// <summary>Electricity Smart Metering Equipment.</summary>
    ESME,
    /// <summary>Gas Smart Metering Equipment.</summary>
    GSME,
    /// <summary>Gas Proxy Function.</summary>
    GPF,
    /// <summary>Communications Hub Function.</summary>
    CHF,
    /// <summary>HAN Connected Auxiliary Load Control Switch.</summary>
    HCALCS,
    /// <summary>Prepayment Interface Device.</summary>
    PPMID,
    /// <summary>In-Home Display (a Type 2 device).</summary>
    IHD,
    /// <summary>Consumer Access Device (a Type 2 device).</summary>
    CAD,
}

/// <summary>Device status in the Smart Metering Inventory (XSD sr:DeviceStatus).</summary>
public enum SmiStatus
{
    Pending,
    Whitelisted,
    InstalledNotCommissioned,
    Commissioned,
    Decommissioned,
    Withdrawn,
    Suspended,
    Recovery,
    Recovered,
}

/// <summary>Communication Service Provider region of a Communications Hub (XSD sr:CSPRegion).</summary>
public enum CspRegion
{
    North,
    Central,
    South,
    North4G,
    Central4G,
    South4G,
    Unknown,
    Smets1,
}

public static class CspRegions
{
    /// <summary>The XSD's text for a region ("4G North" and "SMETS1" are not C# identifiers).</summary>
    public static string ToXsd(this CspRegion region) => region switch
    {
        CspRegion.North4G => "4G North",
        CspRegion.Central4G => "4G Central",
        CspRegion.South4G => "4G South",
        CspRegion.Smets1 => "SMETS1",
        _ => region.ToString(),
    };

    public static bool TryParseXsd(string? text, out CspRegion region)
    {
        foreach (var r in Enum.GetValues<CspRegion>())
        {
            if (string.Equals(r.ToXsd(), text?.Trim(), StringComparison.OrdinalIgnoreCase)) { region = r; return true; }
        }
        region = default;
        return false;
    }
}

/// <summary>Which Smart Metering Equipment Technical Specification a device follows.</summary>
public enum DeviceGeneration
{
    Smets1,
    Smets2Plus,
}
