using System.Collections.Frozen;
using System.Xml;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Requests;

/// <summary>The synchronous outcome of a Non-Device request: I0 with a data element, or a code alone.</summary>
/// <param name="Reason">Why, for the log, when the request was refused or warned about.</param>
public readonly record struct NonDeviceResult(ResponseCode Code, XmlElement? Payload, string? Reason = null)
{
    public static NonDeviceResult Acknowledged => new(ResponseCode.I99, null);
}

/// <summary>One owner of some of the Non-Device Service Requests (CV 8) the DCC answers itself.</summary>
public interface INonDeviceService
{
    /// <summary>The catalogued Non-Device variants it answers.</summary>
    IReadOnlyCollection<ServiceReferenceVariant> Variants { get; }

    /// <summary>Answers an admitted request of one of <see cref="Variants"/>.</summary>
    ValueTask<NonDeviceResult> AnswerAsync(DuisRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The Non-Device Service Requests the DCC answers itself (CV 8), each dispatched by its Service
/// Reference Variant to the service that owns it. Those that return data answer I0 with it; a
/// catalogued Non-Device variant nothing here owns is answered I99, "a successful Non-Device request
/// with no specific data" (DUIS 3.5.10 Table 1).
/// </summary>
public sealed class NonDeviceServices
{
    private readonly FrozenDictionary<ServiceReferenceVariant, INonDeviceService> _owners;

    /// <exception cref="ArgumentException">A service claims a variant the catalogue does not hold as Non-Device, or two claim the same one.</exception>
    public NonDeviceServices(IEnumerable<INonDeviceService> services)
    {
        var owners = new Dictionary<ServiceReferenceVariant, INonDeviceService>();
        foreach (var service in services)
        {
            foreach (var variant in service.Variants)
            {
                if (!ServiceCatalogue.TryGet(variant, out var definition) || !definition.NonDevice)
                    throw new ArgumentException($"{service.GetType().Name} claims {variant}, which the catalogue does not hold as a Non-Device request.", nameof(services));
                if (!owners.TryAdd(variant, service))
                    throw new ArgumentException($"{variant} is claimed by both {owners[variant].GetType().Name} and {service.GetType().Name}.", nameof(services));
            }
        }
        _owners = owners.ToFrozenDictionary();
    }

    /// <summary>Whether a service owns the variant (otherwise it is acknowledged I99 and changes nothing).</summary>
    public bool Owns(ServiceReferenceVariant variant) => _owners.ContainsKey(variant);

    public ValueTask<NonDeviceResult> AnswerAsync(DuisRequest request, CancellationToken cancellationToken) =>
        _owners.TryGetValue(request.ServiceReferenceVariant, out var owner)
            ? owner.AnswerAsync(request, cancellationToken)
            : ValueTask.FromResult(NonDeviceResult.Acknowledged);
}
