using OpenDuis.Gbcs.Mmc;

namespace OpenDuis.Gbcs;

/// <summary>The description of a Device Alert Code as the MMC ra:AlertDescription gives it (GBCS Table 16.2 names).</summary>
public static class GbcsAlertDescriptions
{
    /// <summary>The GBCS Table 16.2 name of <paramref name="alertCode"/>; a code outside the table is described by its code.</summary>
    public static string Of(ushort alertCode) => MmcStatus.Alert(alertCode);
}
