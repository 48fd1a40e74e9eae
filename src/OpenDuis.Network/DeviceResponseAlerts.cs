using OpenDuis.Core.Alerts;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Schema;

namespace OpenDuis.Network;

/// <summary>
/// The DCC Alerts a device's Service Response may give rise to: N999 DUISVersionMismatch instead of
/// a response the User's declared DUIS version lacks (DUIS 3.9.16), FirmwareVersionMismatch
/// N49–N52 when a device reports a firmware version the SMI does not hold (DUIS 3.9.13), and the
/// alerts of <see cref="ServiceResponseAlerts"/> (N24, N25, N26, N42, N43).
/// </summary>
/// <param name="schemas">The XSDs a response is checked against for an earlier version; without them only its Response Code is.</param>
/// <param name="firmware">The firmware mismatch producer; without it no N49–N52 are raised.</param>
/// <param name="responses">The producer of the alerts a successful response gives rise to (N24, N25, N26, N42, N43); without it none are raised.</param>
/// <param name="silent">Whether a Device sends nothing of its own (an injected unreachable or no-response fault), for N25.</param>
public sealed class DeviceResponseAlerts(IDccAlertSink sink, IUserDuisVersions versions, DuisSchemas? schemas = null, FirmwareVersionAlerts? firmware = null,
    ServiceResponseAlerts? responses = null, Func<Eui, bool>? silent = null)
{
    private static readonly ServiceReferenceVariant ReadFirmwareVersion = new(11, 2), ActivateFirmware = new(11, 3);
    private readonly DuisVersionCheck? _check = schemas is null ? null : new DuisVersionCheck(schemas);

    public IDccAlertSink Sink => sink;

    /// <summary>The DUIS version <paramref name="user"/> declared (DUIS 3.9.16).</summary>
    public ValueTask<DuisSchemaVersion> VersionOfAsync(Eui user, CancellationToken cancellationToken) => versions.VersionOfAsync(user, cancellationToken);

    /// <summary>The N999 owed instead of <paramref name="response"/> if <paramref name="userVersion"/> lacks it, else null.</summary>
    public AlertToRaise? VersionMismatch(DuisResponse response, DuisRequest request, Eui recipient, DuisSchemaVersion userVersion)
    {
        if (userVersion == response.SchemaVersion) return null;
        if (_check is not null)
            return _check.CheckServiceResponse(response, request.ServiceReference, request.ServiceReferenceVariant, request.SchemaVersion, userVersion, recipient);
        return response.ResponseCode.IsDefinedIn(userVersion) ? null
            : new AlertToRaise(DccAlertCode.Parse("N999"), DuisVersionMismatch.ForResponse(request.RequestId,
                request.ServiceReference, request.ServiceReferenceVariant, request.SchemaVersion, userVersion), recipient) { RequestId = request.RequestId };
    }

    /// <summary>Whether a successful response to <paramref name="variant"/> reports the device's firmware version (Read Firmware Version 11.2, Activate Firmware 11.3).</summary>
    public static bool ReportsFirmware(ServiceReferenceVariant variant) => variant == ReadFirmwareVersion || variant == ActivateFirmware;

    /// <summary>Whether a successful response to <paramref name="variant"/> may raise an alert through <see cref="SucceededAsync"/>.</summary>
    public bool Concerns(ServiceReferenceVariant variant) => responses is not null && ServiceResponseAlerts.Concerns(variant);

    /// <summary>Raises the alerts the device's successful response to <paramref name="request"/> gives rise to (the User's request, for a Signed Pre-Command the one transformed if known).</summary>
    public async Task SucceededAsync(DuisRequest request, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (responses is null) return;
        await responses.SucceededAsync(request, at, silent, cancellationToken);
    }

    /// <summary>Raises N49–N52 if <paramref name="reportedVersion"/> differs from the SMI's; a device the inventory does not hold raises nothing.</summary>
    public async Task FirmwareReportedAsync(Eui device, string reportedVersion, DateTimeOffset at, RequestId request, CancellationToken cancellationToken)
    {
        if (firmware is null) return;
        try { await firmware.VersionReportedAsync(device, reportedVersion, at, request: request, cancellationToken: cancellationToken); }
        catch (KeyNotFoundException) { }
    }
}
