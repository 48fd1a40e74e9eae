namespace OpenDuis.Core.Inventory;

/// <summary>The HAN a Communications Hub offers (XSD sr:HANVariant in the Read Inventory response).</summary>
public enum HanVariant
{
    /// <summary>2.4 GHz only.</summary>
    SingleBand,
    /// <summary>2.4 GHz and sub-GHz (a Dual Band Communications Hub).</summary>
    DualBand,
}

public static class HanVariants
{
    public static string ToXsd(this HanVariant variant) => variant switch
    {
        HanVariant.SingleBand => "Single Band",
        HanVariant.DualBand => "Dual Band",
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    public static bool TryParseXsd(string? text, out HanVariant variant)
    {
        foreach (var v in Enum.GetValues<HanVariant>())
        {
            if (string.Equals(v.ToXsd(), text?.Trim(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(v.ToString(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                variant = v;
                return true;
            }
        }
        variant = default;
        return false;
    }
}
