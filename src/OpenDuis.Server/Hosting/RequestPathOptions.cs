using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// What wraps the request path's parts. Whoever adds to the path (the operator console records
/// through the door and the outbox, Anomaly Detection quarantines in front of the network) configures these options
/// (<c>services.Configure&lt;RequestPathOptions&gt;</c>, an <c>IConfigureOptions</c>) instead of
/// replacing what <see cref="OpenDuisServices.AddOpenDuis"/> registered; the wrappers are applied,
/// innermost first, when the part is first resolved.
/// </summary>
public sealed class RequestPathOptions
{
    /// <summary>Wrappers around the DUIS door's <see cref="IDuisRequestHandler"/>.</summary>
    public IList<Func<IServiceProvider, IDuisRequestHandler, IDuisRequestHandler>> HandlerWrappers { get; } = [];

    /// <summary>Wrappers around the <see cref="IDeviceNetwork"/> admitted device requests go to.</summary>
    public IList<Func<IServiceProvider, IDeviceNetwork, IDeviceNetwork>> NetworkWrappers { get; } = [];

    /// <summary>Wrappers around the outbox Service Responses and DCC Alerts are enqueued through (the delivery worker's wake-up is outermost).</summary>
    public IList<Func<IServiceProvider, IOutboxStore, IOutboxStore>> OutboxWrappers { get; } = [];

    internal IOutboxStore Wrap(IServiceProvider services, IOutboxStore outbox) =>
        OutboxWrappers.Aggregate(outbox, (inner, wrap) => wrap(services, inner));

    internal IDuisRequestHandler Wrap(IServiceProvider services, IDuisRequestHandler handler) =>
        HandlerWrappers.Aggregate(handler, (inner, wrap) => wrap(services, inner));

    internal IDeviceNetwork Wrap(IServiceProvider services, IDeviceNetwork network) =>
        NetworkWrappers.Aggregate(network, (inner, wrap) => wrap(services, inner));
}
