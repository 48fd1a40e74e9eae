using OpenDuis.Core.Alerts;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Network.Smets1;

/// <summary>
/// A SMETS1 Device's alerts as they reach a User (R-S1-1; DUIS XSD sr:SMETS1ResponseMessage →
/// sr:SMETS1SignedResponse → DeviceAlertMessage): the S1SP signs the MMC alert document, the DCC carries
/// it in an I0 Response it signs with its own key, written to the durable outbox in each recipient's DUIS
/// version. The Device's alert counter is microseconds since the epoch, so it rises across restarts.
/// </summary>
public sealed class Smets1DeviceAlerts
{
    private readonly Smets1ServiceProvider _s1sp;
    private readonly IOutboxStore _outbox;
    private readonly SigningKey _dspKey;
    private readonly IUserDuisVersions _versions;
    private readonly Core.Alerts.ResponseCounter _counter;

    /// <param name="counter">Allots the alerts' ResponseID counters (with the node's number where nodes share a database); else one of its own.</param>
    public Smets1DeviceAlerts(Smets1ServiceProvider s1sp, IOutboxStore outbox, SigningKey dspKey, IUserDuisVersions versions, TimeProvider clock,
        Core.Alerts.ResponseCounter? counter = null)
    {
        _s1sp = s1sp;
        _outbox = outbox;
        _dspKey = dspKey;
        _versions = versions;
        _counter = counter ?? new Core.Alerts.ResponseCounter(clock);
    }

    /// <summary>Writes the Device's alert <paramref name="alertCode"/> for each of <paramref name="recipients"/>; returns the Response IDs written.</summary>
    public async Task<IReadOnlyList<RequestId>> RaiseAsync(Eui device, ushort alertCode, IReadOnlyList<Eui> recipients, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        if (recipients.Count == 0) return [];
        var entries = new List<OutboxEntry>(recipients.Count);
        var ids = new List<RequestId>(recipients.Count);
        foreach (var user in recipients)
        {
            var version = await _versions.VersionOfAsync(user, cancellationToken);
            var counter = _counter.Next();
            var responseId = new RequestId(device, user, counter);
            var alert = DuisResponse.CreateSmets1DeviceAlert(version, responseId, at, _s1sp.Alert(version, device, user, alertCode, counter, at));
            entries.Add(new OutboxEntry(responseId.ToString(), user, responseId.ToString(), OutboxKind.ServiceResponse,
                alert.ToSignedBytes(_dspKey)));
            ids.Add(responseId);
        }
        await _outbox.EnqueueAsync(entries, cancellationToken);
        return ids;
    }
}
