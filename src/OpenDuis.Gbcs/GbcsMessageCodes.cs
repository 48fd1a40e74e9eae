using OpenDuis.Protocol.Catalogue;

namespace OpenDuis.Gbcs;

/// <summary>
/// The GBCS Message Codes OpenDUIS knows: those of the Use Cases the service catalogue maps Service
/// Requests to (commands and their responses), and those the catalogue does not name that RTDS 4.5.0
/// messages carry: the alerts' (the Device Alert codes 0x1000/0x1001 and the Use Case alerts), and
/// the commands of Use Cases no Service Request variant in the catalogue maps to (DCC-originated
/// security credential updates, PPMID commands, firmware reads of other devices, …).
/// </summary>
public static class GbcsMessageCodes
{
    private static readonly ushort[] NotInCatalogue =
    [
        0x0018, 0x0061, 0x0067, 0x008B, 0x00B2, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF, 0x00F0, 0x00F2,
        0x0110, 0x0111, 0x0112, 0x0113, 0x0114, 0x0115, 0x0120, 0x0121, 0x0122, 0x0123, 0x0124, 0x0128, 0x012B,
        0x0109, 0x1000, 0x1001,
        0x0001, 0x0002, 0x0003, 0x0004, 0x0035, 0x004D, 0x0058, 0x0080, 0x0083, 0x0090, 0x0092, 0x0093, 0x0094,
        0x009B, 0x00FA, 0x00FE, 0x0105, 0x0106, 0x0108, 0x010A, 0x010B, 0x010C, 0x010D, 0x010E, 0x010F, 0x0125, 0x0129,
    ];

    private static readonly Lazy<HashSet<ushort>> Known = new(() =>
        [.. ServiceCatalogue.All.SelectMany(d => d.GbcsMessageCodes), .. NotInCatalogue]);

    public static bool IsKnown(ushort messageCode) => Known.Value.Contains(messageCode);

    /// <summary>
    /// The Message Codes whose successful responses and alerts carry a payload GBCS encrypts (R-GBCS-2):
    /// those of the 63 encrypted payloads in the RTDS 4.5.0 GBCS messages, ECS17b/d/e, ECS19, ECS20b/c,
    /// ECS21a/b, ECS22b, ECS66, ECS68, GCS13a/b/c, GCS14, GCS15b/c/d, GCS16a/b, GCS17, GCS18, GCS53, GCS61.
    /// </summary>
    private static readonly System.Collections.Frozen.FrozenSet<ushort> Encrypted = System.Collections.Frozen.FrozenSet.ToFrozenSet<ushort>(
    [
        0x0027, 0x0029, 0x002A, 0x002D, 0x002F, 0x0030, 0x0033, 0x0034, 0x0037, 0x0060, 0x0061,
        0x0074, 0x0075, 0x0076, 0x0077, 0x0078, 0x0079, 0x008B, 0x0096, 0x00A0, 0x00B6, 0x00B8, 0x00C3, 0x00C4,
    ]);

    /// <summary>Whether a successful response (or alert) of this Message Code carries an encrypted payload.</summary>
    public static bool IsEncrypted(ushort messageCode) => Encrypted.Contains(messageCode);
}
