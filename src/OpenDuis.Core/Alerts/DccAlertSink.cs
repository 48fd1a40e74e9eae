using System.Xml;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Core.Alerts;

/// <summary>
/// A DCC Alert owed to one User: its code, its body, and optionally the Response Code (else the
/// code's usual one, <see cref="DccAlertCatalogue"/>) and the request it concerns (its RequestID in
/// the header, and the ordering key so it never overtakes that request's earlier responses).
/// </summary>
public sealed record AlertToRaise(DccAlertCode Code, DccAlertBody Body, Eui Recipient)
{
    public ResponseCode? ResponseCode { get; init; }
    public RequestId? RequestId { get; init; }
    /// <summary>The Device the alert is about, named in an N999 if the alert cannot be sent in the User's DUIS version.</summary>
    public Eui? DeviceId { get; init; }
    /// <summary>A ResponseID counter fixed by the caller, so raising the same event twice writes the same message (else one is allotted).</summary>
    public ulong? ResponseCounter { get; init; }
    /// <summary>Raised as the owner of a Device for a command taken under this lease: refused once another node took the Device (issue 22).</summary>
    public Requests.DeviceFence? Fence { get; init; }
}

/// <summary>Where producers hand DCC Alerts: each is signed by the DSP and delivered to its recipient.</summary>
public interface IDccAlertSink
{
    /// <summary>Signs the alerts and writes them to the outbox in one transaction; returns what was written.</summary>
    Task<IReadOnlyList<OutboxEntry>> RaiseAsync(IReadOnlyList<AlertToRaise> alerts, CancellationToken cancellationToken = default);
}

/// <summary>The DUIS XSD version each User declared (DUIS 3.9.16 needs it for N999).</summary>
public interface IUserDuisVersions
{
    ValueTask<DuisSchemaVersion> VersionOfAsync(Eui user, CancellationToken cancellationToken = default);
}

/// <summary>Users' DUIS versions as recorded in the party store; an unknown User or version is taken as 5.4.</summary>
public sealed class PartyStoreDuisVersions(IPartyStore parties) : IUserDuisVersions
{
    public async ValueTask<DuisSchemaVersion> VersionOfAsync(Eui user, CancellationToken cancellationToken = default) =>
        await parties.FindUserAddressAsync(user, cancellationToken) is { } u && DuisSchemaVersion.TryParse(u.DuisVersion, out var v) ? v : DuisSchemaVersion.V5_4;
}

/// <summary>
/// Signs DCC Alerts with the DSP's xmlSign key and writes them to the durable outbox (R-WS-2) as
/// <see cref="OutboxKind.DccAlert"/>. Each is written in the recipient's DUIS version; one that does
/// not exist in that version (its Response Code or an element it carries is not in that version's
/// XSD) is replaced by N999 DUISVersionMismatch naming it (DUIS 3.9.16).
/// </summary>
public sealed class OutboxDccAlertSink : IDccAlertSink
{
    private readonly IOutboxStore _outbox;
    private readonly SigningKey _dspKey;
    private readonly TimeProvider _clock;
    private readonly IUserDuisVersions? _versions;
    private readonly DuisSchemas? _schemas;
    private readonly ResponseCounter _counter;

    /// <param name="versions">The Users' DUIS versions; without it every alert is written in 5.4.</param>
    /// <param name="schemas">The XSDs an alert for an earlier version is checked against; without them only the Response Code is checked.</param>
    /// <param name="counter">Allots the alerts' ResponseID counters (with the node's number where nodes share a database); else one of this sink's own.</param>
    public OutboxDccAlertSink(IOutboxStore outbox, SigningKey dspKey, TimeProvider clock, IUserDuisVersions? versions = null, DuisSchemas? schemas = null,
        ResponseCounter? counter = null)
    {
        _outbox = outbox;
        _dspKey = dspKey;
        _clock = clock;
        _versions = versions;
        _schemas = schemas;
        _counter = counter ?? new ResponseCounter(clock);
    }

    public Eui Dsp => _dspKey.Certificate.Subject;

    public async Task<IReadOnlyList<OutboxEntry>> RaiseAsync(IReadOnlyList<AlertToRaise> alerts, CancellationToken cancellationToken = default)
    {
        if (alerts.Count == 0) return [];
        var entries = new OutboxEntry[alerts.Count];
        for (var i = 0; i < alerts.Count; i++)
        {
            var version = _versions is null ? DuisSchemaVersion.V5_4 : await _versions.VersionOfAsync(alerts[i].Recipient, cancellationToken);
            entries[i] = Build(alerts[i], version);
        }
        await _outbox.EnqueueAsync(entries, cancellationToken);
        return entries;
    }

    /// <summary>The signed outbox entry for one alert in the recipient's DUIS <paramref name="version"/> (N999 if it does not exist there).</summary>
    public OutboxEntry Build(AlertToRaise alert, DuisSchemaVersion version)
    {
        var counter = alert.ResponseCounter ?? _counter.Next();
        var responseId = new RequestId(Dsp, alert.Recipient, counter);
        var now = _clock.GetUtcNow();
        var response = Compatible(alert, version, now, responseId) ?? VersionMismatch(alert, version, now, responseId);
        var body = response.ToSignedBytes(_dspKey);
        var orderingKey = alert.RequestId?.ToString() ?? responseId.ToString();
        return new OutboxEntry(responseId.ToString(), alert.Recipient, orderingKey, OutboxKind.DccAlert, body) { Fence = alert.Fence };
    }

    private DuisResponse? Compatible(AlertToRaise alert, DuisSchemaVersion version, DateTimeOffset now, RequestId responseId)
    {
        var responseCode = alert.ResponseCode ?? DccAlertCatalogue.Of(alert.Code).DefaultResponseCode;
        if (!responseCode.IsDefinedIn(version)) return null;
        var response = DccAlerts.Create(version, alert.Code, alert.Body, now, alert.ResponseCode, alert.RequestId, responseId);
        // Only an alert for an earlier version is checked against that version's XSD, and only that one is built as a document.
        if (version == DuisSchemaVersion.V5_4 || _schemas is null || !_schemas.Versions.Contains(version)) return response;
        return _schemas.Validate(response.ToXmlDocument(), version).IsValid ? response : null;
    }

    private static DuisResponse VersionMismatch(AlertToRaise alert, DuisSchemaVersion version, DateTimeOffset now, RequestId responseId)
    {
        var mismatch = DuisVersionMismatch.ForAlert(alert.Code, version, alert.DeviceId, alert.RequestId);
        return DccAlerts.Create(version, DccAlertCode.Parse("N999"), mismatch, now, requestId: alert.RequestId, responseId: responseId);
    }
}

/// <summary>
/// N999 for Service Responses (DUIS 3.9.16): whether a response built in 5.4 exists in the DUIS
/// version the User declared — its Response Code in that version's enumeration and its body valid
/// against that version's XSD — and, if not, the DUISVersionMismatch alert to send instead.
/// </summary>
public sealed class DuisVersionCheck(DuisSchemas schemas)
{
    public AlertToRaise? CheckServiceResponse(DuisResponse response, ServiceReference reference, ServiceReferenceVariant variant,
        DuisSchemaVersion requestVersion, DuisSchemaVersion userVersion, Eui recipient)
    {
        if (userVersion == response.SchemaVersion || IsCompatible(response, userVersion)) return null;
        var requestId = response.RequestId ?? throw new ArgumentException("A Service Response names its request.", nameof(response));
        return new AlertToRaise(DccAlertCode.Parse("N999"),
            DuisVersionMismatch.ForResponse(requestId, reference, variant, requestVersion, userVersion), recipient) { RequestId = requestId };
    }

    private bool IsCompatible(DuisResponse response, DuisSchemaVersion userVersion)
    {
        if (!response.ResponseCode.IsDefinedIn(userVersion) || !schemas.Versions.Contains(userVersion)) return response.ResponseCode.IsDefinedIn(userVersion);
        var document = response.WithoutSignature().ToXmlDocument();
        document.DocumentElement!.SetAttribute("schemaVersion", userVersion.ToString());
        return schemas.Validate(document, userVersion).IsValid;
    }
}
