using System.Collections.Frozen;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Rules;

/// <summary>
/// 8.13 Return Local Command Response (DUIS 3.8.117.2 as amended by MP260, R-SR-8.13): the only
/// Service Request responses the DCC accepts back from a Local Command (Device Alerts aside).
/// </summary>
internal static class LocalCommandResponses
{
    public static readonly IReadOnlyList<ServiceReferenceVariant> Accepted =
    [
        .. new[] { "1.6", "3.2", "6.8", "6.14.1", "6.14.2", "6.14.3", "6.15.1", "6.15.2", "6.21", "8.7.1", "8.7.2", "8.8.1", "8.8.2", "8.11", "8.12.1", "8.12.2", "11.2", "11.3" }
            .Select(ServiceReferenceVariant.Parse),
    ];

    private static readonly FrozenSet<ServiceReferenceVariant> Set = Accepted.ToFrozenSet();

    public static bool IsAccepted(ServiceReferenceVariant variant) => Set.Contains(variant);
}

/// <summary>
/// 6.28 Set CHF Sub GHz Configuration (DUIS 3.8.82 as amended by MP260; Annex to SEC F4, R-SR-6.28):
/// the lower-band channel masks are GBCS Pages 28, 29 and 30; the upper band (Page 31) is not validated.
/// </summary>
internal static class SubGhzChannelMasks
{
    public sealed record Page(int Number, string Element, int FirstChannel, int LastChannel);

    public static readonly IReadOnlyList<Page> LowerBandPages =
    [
        new(28, "LowerBandSubGHzChannels0To26", 0, 26),
        new(29, "LowerBandSubGHzChannels27To34", 27, 34),
        new(30, "LowerBandSubGHzChannels35To61", 35, 61),
    ];

    /// <summary>"At least two channels must be configured per Page" (Annex to SEC F4).</summary>
    public const int MinimumChannelsPerPage = 2;
}

/// <summary>
/// Gas Service Requests whose GSME response carries encrypted data (GBCS: the response to these Use
/// Cases holds consumption or prepayment data, encrypted for the requesting Remote Party); sequenced, they are E54.
/// </summary>
internal static class EncryptedGasResponses
{
    public static readonly IReadOnlyList<string> UseCases = ["GCS13a", "GCS14", "GCS16a", "GCS17", "GCS61"];

    private static readonly FrozenSet<string> Set = UseCases.ToFrozenSet(StringComparer.Ordinal);

    public static bool Contains(string useCase) => Set.Contains(useCase);
}
