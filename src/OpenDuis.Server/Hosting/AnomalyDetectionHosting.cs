using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenDuis.Core.Alerts;

namespace OpenDuis.Server.Hosting;

public static class AnomalyDetectionHosting
{
    /// <summary>
    /// Threshold Anomaly Detection (SEC G6; DUIS 3.9.17): one <see cref="AnomalyDetector"/> over the
    /// <see cref="AnomalyDetectionOptions"/>, and the <see cref="Core.Requests.IDeviceNetwork"/> wrapped in
    /// <see cref="QuarantiningDeviceNetwork"/> (<see cref="RequestPathOptions.NetworkWrappers"/>), so a device request
    /// beyond a threshold is acknowledged, not executed, and its sender gets N46, N47 or N48.
    /// </summary>
    public static OpenDuisBuilder AddAnomalyDetection(this OpenDuisBuilder builder, Action<AnomalyDetectionOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<AnomalyDetectionOptions>();
        if (configure is not null) options.Configure(configure);
        builder.Services.TryAddSingleton(sp =>
        {
            var configured = sp.GetRequiredService<IOptions<AnomalyDetectionOptions>>().Value;
            var detector = AnomalyThresholdFile.Detector(configured.Thresholds, sp.GetRequiredService<TimeProvider>());
            foreach (var limit in configured.AttributeLimits) detector.SetAttributeLimit(limit);
            return detector;
        });
        builder.Services.Configure<RequestPathOptions>(o => o.NetworkWrappers.Add((sp, inner) =>
            new QuarantiningDeviceNetwork(inner, sp.GetRequiredService<AnomalyDetector>(), sp.GetRequiredService<IDccAlertSink>())));
        return builder;
    }
}
