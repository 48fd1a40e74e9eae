using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Catalogue;

/// <summary>The DUIS 5.4 Service Requests, looked up by variant or by body element.</summary>
public static partial class ServiceCatalogue
{
    private static readonly FrozenDictionary<ServiceReferenceVariant, ServiceRequestDefinition> ByVariant =
        Table.Entries.ToFrozenDictionary(e => e.Variant);

    private static readonly FrozenDictionary<string, ServiceRequestDefinition> ByBody =
        Table.Entries.ToFrozenDictionary(e => e.BodyElement, StringComparer.Ordinal);

    private static readonly FrozenSet<ServiceReference> References = Table.Entries.Select(e => e.Reference).ToFrozenSet();

    /// <summary>Every Service Request Variant, in DUIS order.</summary>
    public static IReadOnlyList<ServiceRequestDefinition> All => Table.Entries;

    public static bool TryGet(ServiceReferenceVariant variant, [NotNullWhen(true)] out ServiceRequestDefinition? definition) =>
        ByVariant.TryGetValue(variant, out definition);

    public static ServiceRequestDefinition Get(ServiceReferenceVariant variant) =>
        TryGet(variant, out var d) ? d : throw new KeyNotFoundException($"Service Reference Variant {variant} is not a DUIS 5.4 Service Request.");

    /// <summary>The variant whose request body is the given sr:Body child (E49 compares it with the header).</summary>
    public static bool TryGetByBodyElement(string localName, [NotNullWhen(true)] out ServiceRequestDefinition? definition) =>
        ByBody.TryGetValue(localName, out definition);

    /// <summary>Whether the Service Reference exists in DUIS 5.4 (the XSD's sr:ServiceReference enumeration).</summary>
    public static bool IsKnown(ServiceReference reference) => References.Contains(reference);

    public static IEnumerable<ServiceRequestDefinition> VariantsOf(ServiceReference reference) =>
        Table.Entries.Where(e => e.Reference == reference);

    /// <summary>
    /// The Service Request responses the DCC needs back through 8.13 Return Local Command Response when
    /// the command was executed locally (DUIS 3.8.117.2 as amended by MP260; R-SR-8.13). Device Alerts
    /// are accepted too.
    /// </summary>
    public static readonly IReadOnlySet<ServiceReferenceVariant> ReturnableByLocalCommandResponse =
        new[] { "1.6", "3.2", "6.8", "6.14.1", "6.14.2", "6.14.3", "6.15.1", "6.15.2", "6.21", "8.7.1", "8.7.2", "8.8.1", "8.8.2", "8.11", "8.12.1", "8.12.2", "11.2", "11.3" }
            .Select(ServiceReferenceVariant.Parse).ToFrozenSet();
}
