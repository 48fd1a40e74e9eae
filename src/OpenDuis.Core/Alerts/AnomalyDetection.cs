using System.Collections.Concurrent;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Core.Alerts;

/// <summary>
/// An Anomaly Detection Threshold on volume: at most <paramref name="MaxRequests"/> Service Requests
/// of <paramref name="Variant"/> within any <paramref name="Period"/> (SEC Section A, "Threshold
/// Anomaly Detection"; SEC G6 has Users set their own).
/// </summary>
public sealed record VolumeThreshold(ServiceReferenceVariant Variant, int MaxRequests, TimeSpan Period)
{
    public int MaxRequests { get; init; } = MaxRequests >= 0 ? MaxRequests : throw new ArgumentOutOfRangeException(nameof(MaxRequests), "A threshold is not negative.");
    public TimeSpan Period { get; init; } = Period > TimeSpan.Zero ? Period : throw new ArgumentOutOfRangeException(nameof(Period), "A period is longer than zero.");
}

/// <summary>
/// An Anomaly Detection attribute limit: in a Service Request of <paramref name="Variant"/>, the
/// value of the body element <paramref name="Element"/> (its local name, e.g. AdjustMeterBalance) is
/// at most <paramref name="Maximum"/> (SEC Section A, "Threshold Anomaly Detection" (b)(ii)).
/// </summary>
public sealed record AttributeLimit(ServiceReferenceVariant Variant, string Element, decimal Maximum)
{
    public string Element { get; init; } = string.IsNullOrWhiteSpace(Element) ? throw new ArgumentException("An attribute limit names the element it limits.", nameof(Element)) : Element;
}

/// <summary>A request beyond an attribute limit: the limit, the value the request carried and the DCC's reference of the event.</summary>
public sealed record AttributeBreach(AttributeLimit Limit, decimal Value, ulong EventRef);

/// <summary>A quarantined request: which threshold it breached and the DCC's reference of the event.</summary>
public sealed record Quarantine(AnomalyBreach Breach, VolumeThreshold Threshold, ulong EventRef, int CountInPeriod);

/// <summary>
/// Threshold Anomaly Detection on volume (SEC Section A definition, (a) and (b)(i)): counts each
/// User's Service Requests per Service Reference Variant over a sliding period, and the DCC's over
/// all Users; a request beyond a threshold is to be quarantined — not executed — and reported to
/// the User as QuarantinedRequest N46 (the User's threshold) or N47 (the DCC's) (DUIS 3.9.17).
/// Thread-safe; thresholds may be changed while requests are counted.
/// </summary>
public sealed class AnomalyDetector(TimeProvider clock)
{
    private readonly ConcurrentDictionary<(Eui User, ServiceReferenceVariant Variant), VolumeThreshold> _user = new();
    private readonly ConcurrentDictionary<ServiceReferenceVariant, VolumeThreshold> _dcc = new();
    private readonly ConcurrentDictionary<(Eui? User, ServiceReferenceVariant Variant), Queue<DateTimeOffset>> _seen = new();
    private readonly ConcurrentDictionary<(ServiceReferenceVariant Variant, string Element), AttributeLimit> _limits = new();
    private long _eventRef = clock.GetUtcNow().ToUnixTimeSeconds() * 1000;

    /// <summary>Sets (or with null removes) a User's threshold for a variant.</summary>
    public void SetUserThreshold(Eui user, ServiceReferenceVariant variant, VolumeThreshold? threshold)
    {
        if (threshold is null) _user.TryRemove((user, variant), out _);
        else _user[(user, variant)] = Matching(variant, threshold);
    }

    /// <summary>Sets (or with null removes) the DCC's threshold for a variant, over all Users.</summary>
    public void SetDccThreshold(ServiceReferenceVariant variant, VolumeThreshold? threshold)
    {
        if (threshold is null) _dcc.TryRemove(variant, out _);
        else _dcc[variant] = Matching(variant, threshold);
    }

    private static VolumeThreshold Matching(ServiceReferenceVariant variant, VolumeThreshold threshold) =>
        threshold.Variant == variant ? threshold
            : throw new ArgumentException($"The threshold is for variant {threshold.Variant}, not {variant}.", nameof(threshold));

    /// <summary>Sets an attribute limit (replacing the one for the same variant and element).</summary>
    public void SetAttributeLimit(AttributeLimit limit) => _limits[(limit.Variant, limit.Element)] = limit;

    /// <summary>Removes the attribute limit of <paramref name="element"/> in <paramref name="variant"/>; false when there was none.</summary>
    public bool RemoveAttributeLimit(ServiceReferenceVariant variant, string element) => _limits.TryRemove((variant, element), out _);

    /// <summary>
    /// The first attribute limit <paramref name="request"/>'s body breaches, or null. A Signed
    /// Pre-Command carries its values in GBCS, which the limits do not read.
    /// </summary>
    public AttributeBreach? CheckAttributes(DuisRequest request)
    {
        if (_limits.IsEmpty || request.IsSignedPreCommand) return null;
        foreach (var ((variant, element), limit) in _limits)
        {
            if (variant != request.ServiceReferenceVariant) continue;
            foreach (var e in request.Body.Elements(element, DuisNamespaces.ServiceUserGateway))
                if (decimal.TryParse(e.InnerText.Trim(), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var value)
                    && value > limit.Maximum)
                    return new AttributeBreach(limit, value, NextRef());
        }
        return null;
    }

    public IReadOnlyCollection<VolumeThreshold> UserThresholds(Eui user) => _user.Where(p => p.Key.User == user).Select(p => p.Value).ToArray();

    /// <summary>Counts the request; returns the quarantine if it is beyond a threshold (the User's is checked first), else null.</summary>
    public Quarantine? Count(Eui user, ServiceReferenceVariant variant)
    {
        var now = clock.GetUtcNow();
        if (_user.TryGetValue((user, variant), out var own) && Breached(own, (user, variant), now) is { } n)
            return new Quarantine(AnomalyBreach.UserThreshold, own, NextRef(), n);
        if (_dcc.TryGetValue(variant, out var dcc) && Breached(dcc, (null, variant), now) is { } m)
            return new Quarantine(AnomalyBreach.DccThreshold, dcc, NextRef(), m);
        return null;
    }

    private ulong NextRef() => (ulong)Interlocked.Increment(ref _eventRef);

    // Sliding window: the request counts, then the window's count is compared with the threshold.
    private int? Breached(VolumeThreshold threshold, (Eui? User, ServiceReferenceVariant Variant) key, DateTimeOffset now)
    {
        var window = _seen.GetOrAdd(key, static _ => new Queue<DateTimeOffset>());
        lock (window)
        {
            var from = now - threshold.Period;
            while (window.Count > 0 && window.Peek() <= from) window.Dequeue();
            window.Enqueue(now);
            return window.Count > threshold.MaxRequests ? window.Count : null;
        }
    }
}

/// <summary>
/// Quarantine in the request path: wraps the Smart Metering WAN so that a device request beyond an
/// Anomaly Detection Threshold or attribute limit is acknowledged (it passed access control, I99)
/// but not executed, and its sender receives QuarantinedRequest N46, N47 or N48 (DUIS 3.9.17)
/// through the alert sink.
/// </summary>
public sealed class QuarantiningDeviceNetwork(IDeviceNetwork inner, AnomalyDetector detector, IDccAlertSink sink) : IDeviceNetwork
{
    public async ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default)
    {
        var request = command.Request;
        QuarantinedRequest body;
        // SEC A Threshold Anomaly Detection (b)(ii) before (a) and (b)(i): a value beyond its limit is quarantined whatever the volume (N48).
        if (detector.CheckAttributes(request) is { } breach)
            body = new QuarantinedRequest(AnomalyBreach.AttributeLimits, request.RequestId, breach.EventRef);
        else if (detector.Count(command.Sender, request.ServiceReferenceVariant) is { } quarantine)
            body = new QuarantinedRequest(quarantine.Breach, request.RequestId, quarantine.EventRef);
        else
            return await inner.AcceptAsync(command, cancellationToken);

        await sink.RaiseAsync([new AlertToRaise(body.AlertCode, body, command.Sender) { RequestId = request.RequestId, DeviceId = request.RequestId.Target }],
            cancellationToken);
        // Its outcome is the quarantine alert: the request ends here, and its recorded command is never executed, not even after a restart.
        command.Lease.Complete(succeeded: false);
        return DeviceAcceptance.Acknowledged;
    }
}
