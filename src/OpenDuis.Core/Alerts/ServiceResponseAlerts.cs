using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Core.Alerts;

/// <summary>
/// DCC Alerts a Device's successful response to a Service Request gives rise to, beside the Service
/// Response itself (DccAlertCatalogue):
/// <list type="bullet">
/// <item>Update HAN Device Log (8.11) RequestType Add: N24 to the sender, or N25 when the Device to join is silent and sends no join Alert (DUIS 3.9.7);</item>
/// <item>8.11 RequestType Remove of a PPMID the SMI holds in both the CHF's and the GPF's Device Logs: N43 PPMIDRemoval to the Registered Suppliers (DUIS 3.9.12);</item>
/// <item>Update Security Credentials (CoS) (6.23): N26 ChangeOfSupplier to the sender (DUIS 3.9.8);</item>
/// <item>Update Security Credentials (KRP) (6.15.1) placing the certificates of another User: N42 SecurityCredentialsUpdated to that User (DUIS 3.9.11).</item>
/// </list>
/// </summary>
public sealed class ServiceResponseAlerts(ISmiStore store, IDccAlertSink sink)
{
    private static readonly ServiceReferenceVariant UpdateHanDeviceLog = ServiceReferenceVariant.Parse("8.11"),
        UpdateSecurityCredentialsKrp = ServiceReferenceVariant.Parse("6.15.1"), UpdateSecurityCredentialsCos = ServiceReferenceVariant.Parse("6.23");

    private readonly AlertRecipients _recipients = new(store);

    /// <summary>Whether a successful response to <paramref name="variant"/> may raise an alert here (the others need not be looked at).</summary>
    public static bool Concerns(ServiceReferenceVariant variant) =>
        variant == UpdateHanDeviceLog || variant == UpdateSecurityCredentialsKrp || variant == UpdateSecurityCredentialsCos;

    /// <param name="request">The Service Request as the User sent it (for a Signed Pre-Command, the request the DCC transformed, if known): its body is read.</param>
    /// <param name="silent">Whether a Device sends nothing of its own (an injected unreachable or no-response fault).</param>
    public async Task<IReadOnlyList<AlertToRaise>> SucceededAsync(DuisRequest request, DateTimeOffset at, Func<Eui, bool>? silent = null,
        CancellationToken cancellationToken = default)
    {
        var variant = request.ServiceReferenceVariant;
        var id = request.RequestId;
        IReadOnlyList<AlertToRaise> alerts = [];
        if (variant == UpdateSecurityCredentialsCos)
            alerts = [new AlertToRaise(DccAlertCode.Parse("N26"), ChangeOfSupplier.ForRequest(id), id.Originator) { RequestId = id, DeviceId = id.Target }];
        else if (request.IsSignedPreCommand) return [];
        else if (variant == UpdateHanDeviceLog) alerts = await HanDeviceLogAsync(request, at, silent, cancellationToken);
        else if (variant == UpdateSecurityCredentialsKrp) alerts = await CredentialsPlacedAsync(request, cancellationToken);
        await sink.RaiseAsync(alerts, cancellationToken);
        return alerts;
    }

    private async Task<IReadOnlyList<AlertToRaise>> HanDeviceLogAsync(DuisRequest request, DateTimeOffset at, Func<Eui, bool>? silent, CancellationToken cancellationToken)
    {
        var id = request.RequestId;
        if (!Eui.TryParse(Child(request.Body, "DeviceID"), out var joining)) return [];
        switch (Child(request.Body, "RequestType"))
        {
            case "Add":
                // DUIS 3.9.7: N24 once the joining Device's Alert reached the DCC, N25 when none came.
                var code = silent?.Invoke(joining) == true ? "N25" : "N24";
                return [new AlertToRaise(DccAlertCode.Parse(code), new UpdateHanDeviceLogResult(id), id.Originator) { RequestId = id, DeviceId = id.Target }];
            case "Remove":
                return await PpmidRemovedAsync(id.Target, joining, at, cancellationToken);
            default:
                return [];
        }
    }

    /// <summary>N43: the PPMID was in both the CHF's and the GPF's Device Logs (joined to the ESME and the GSME), and one log lost it.</summary>
    private async Task<IReadOnlyList<AlertToRaise>> PpmidRemovedAsync(Eui logHolder, Eui removed, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await store.FindDeviceAsync(removed, cancellationToken) is not { Type: DeviceType.PPMID }) return [];
        if (await store.FindDeviceAsync(logHolder, cancellationToken) is not { } holder) return [];
        Eui? chf = holder.Type == DeviceType.CHF ? holder.Id : holder.Type == DeviceType.GPF ? holder.CommsHub : null;
        if (chf is null) return [];
        Eui? gpf = null;
        await foreach (var d in store.ReadDevicesAsync(cancellationToken))
            if (d.Type == DeviceType.GPF && d.CommsHub == chf) { gpf = d.Id; break; }
        if (gpf is null) return [];
        if (!(await store.DeviceLogAsync(chf.Value, cancellationToken)).Any(e => e.Device == removed)
            || !(await store.DeviceLogAsync(gpf.Value, cancellationToken)).Any(e => e.Device == removed)) return [];

        var hub = await store.FindDeviceAsync(chf.Value, cancellationToken) ?? holder;
        var body = new PpmidRemoval(removed, chf.Value);
        return (await _recipients.UsersOfDeviceAsync(hub, RegisteredRole.Supplier, at, cancellationToken))
            .Select(u => new AlertToRaise(DccAlertCode.Parse("N43"), body, u) { DeviceId = removed }).ToArray();
    }

    /// <summary>
    /// N42 (DUIS 3.9.11): the certificates 6.15.1 placed name, in their subject, the User whose
    /// credentials they are; when that is not the sender, that User is told what was placed.
    /// </summary>
    private async Task<IReadOnlyList<AlertToRaise>> CredentialsPlacedAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        var body = request.Body;
        if (!Enum.TryParse<CredentialsRemoteParty>(Child(body, "RemotePartyRole"), ignoreCase: true, out var role)) return [];
        var placed = new List<PlacedCertificate>();
        Eui? holder = null;
        foreach (var element in body.Elements("*", DuisNamespaces.ServiceUserGateway))
        {
            DeviceCertificateType? type = element.LocalName switch
            {
                "DigitalSigningCertificate" => DeviceCertificateType.DigitalSigning,
                "KeyAgreementCertificate" => DeviceCertificateType.KeyAgreement,
                "PrepaymentTopUpCertificate" or "KeyAgreementTopUpCertificate" => DeviceCertificateType.KeyAgreementTopUp,
                _ => null,
            };
            if (type is null || placed.Count == 3) continue;
            byte[] der;
            try { der = Convert.FromBase64String(element.InnerText.Trim()); }
            catch (FormatException) { continue; }
            try
            {
                using var certificate = X509CertificateLoader.LoadCertificate(der);
                if (OrganisationCertificate.TryCreate(certificate, out var organisation, out _)) holder ??= organisation!.Subject;
            }
            catch (CryptographicException) { continue; }
            placed.Add(new PlacedCertificate(type.Value, SHA1.HashData(der)));
        }
        var sender = request.RequestId.Originator;
        if (placed.Count == 0 || holder is not { } user || user == sender || await store.FindUserAsync(user, cancellationToken) is null) return [];
        RemotePartySeqNumberChange? floor = long.TryParse(Child(body, "RemotePartyFloorSeqNumber"), out var seq) && seq >= 0 ? new(seq) : null;
        var alertBody = new SecurityCredentialsUpdated(request.RequestId.Target, role, placed, floor);
        return [new AlertToRaise(DccAlertCode.Parse("N42"), alertBody, user) { DeviceId = request.RequestId.Target }];
    }

    private static string? Child(XmlElement body, string name) =>
        body.FirstElement(name, DuisNamespaces.ServiceUserGateway)?.InnerText.Trim();
}
