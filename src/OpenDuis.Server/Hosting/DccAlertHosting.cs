using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Requests;
using OpenDuis.Network;

namespace OpenDuis.Server.Hosting;

/// <summary>DCC Alert producers that sit in the request path.</summary>
internal static class DccAlertHosting
{
    /// <summary>Anomaly Detection in front of the network, and the alerts the network's responses give rise to (N999, N49–N52).</summary>
    public static void AddDccAlertProducers(IServiceCollection services, OpenDuisOptions parts)
    {
        services.AddSingleton(sp => new DeviceResponseAlerts(sp.GetRequiredService<IDccAlertSink>(), new PartyStoreDuisVersions(parts.Store),
            parts.Schemas, new FirmwareVersionAlerts(parts.Store, sp.GetRequiredService<IDccAlertSink>()),
            new ServiceResponseAlerts(parts.Store, sp.GetRequiredService<IDccAlertSink>()),
            id => sp.GetService<Network.Execution.DeviceFaults>()?.Find(id) is { Mode: Network.Execution.DeviceFaultMode.Unreachable or Network.Execution.DeviceFaultMode.NoResponse }));
        AddAnomalyDetection(services, parts.AnomalyThresholds ?? []);
    }

    /// <summary>
    /// Threshold Anomaly Detection (SEC G6; DUIS 3.9.17): one <see cref="AnomalyDetector"/> over
    /// <paramref name="thresholds"/>, and the registered <see cref="IDeviceNetwork"/> wrapped in
    /// <see cref="QuarantiningDeviceNetwork"/> (<see cref="RequestPathOptions.NetworkWrappers"/>), so a request
    /// beyond a threshold is acknowledged, not executed, and its sender gets N46 or N47.
    /// </summary>
    public static void AddAnomalyDetection(IServiceCollection services, IReadOnlyList<AnomalyThreshold> thresholds)
    {
        services.AddSingleton(sp =>
        {
            var detector = AnomalyThresholdFile.Detector(thresholds, sp.GetRequiredService<TimeProvider>());
            // The DCC's attribute limits (N48), when the host registered them.
            foreach (var limit in sp.GetService<AnomalyAttributeLimits>()?.Limits ?? []) detector.SetAttributeLimit(limit);
            return detector;
        });
        services.Configure<RequestPathOptions>(o => o.NetworkWrappers.Add((sp, inner) =>
            new QuarantiningDeviceNetwork(inner, sp.GetRequiredService<AnomalyDetector>(), sp.GetRequiredService<IDccAlertSink>())));
    }
}
