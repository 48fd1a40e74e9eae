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
}
