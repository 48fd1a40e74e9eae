using OpenDuis.Core.Outbox;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Server.Schedules;

/// <summary>
/// The schedule executor's notices as DCC Alerts to the schedule's owner, signed by the DSP and
/// written to the durable outbox (R-WS-2) once each: sr:DSPScheduleRemoval for a removal (DUIS 3.9.4), and
/// sr:CommandFailure with the DSPScheduleID and Response Code E31 for a device the occurrence's
/// command could not reach (DUIS 3.9.5; E31 is a DCC Alert code, DUIS 3.5.10 Table 1).
/// </summary>
/// <remarks>
/// Each alert's ResponseID is derived from what it is about (the schedule and the occurrence's
/// Request ID), so a node that re-runs an occurrence after a lease ran out writes the same message
/// and the receiver can de-duplicate it.
/// </remarks>
internal sealed class OutboxScheduleNotices(IOutboxStore outbox, SigningKey dspKey, Func<Eui, DuisSchemaVersion> versionOf) : IScheduleNotices
{
    /// <summary>
    /// The CommandFailure DCC Alert Code that carries E31 for a DSP Scheduled command (E31 covers "DSP
    /// Scheduled or Future Dated (DSP)" commands alike, so both take the one code the catalogue gives it).
    /// </summary>
    public static readonly DccAlertCode UnreachableAlertCode = DccAlertCatalogue.CommandFailureCode(CommandFailureKind.FutureDatedDspNotExecuted);

    public async Task ScheduleRemovedAsync(StoredScheduleRef schedule, ScheduleRemoval removal, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var body = new DspScheduleRemoval(schedule.DeviceId, schedule.Id.Value).ToXml();
        // The removal alert is not about a User's request: its ResponseID is the DSP's, counted by the schedule.
        var responseId = new RequestId(dspKey.Certificate.Subject, schedule.DeviceId, schedule.Id.Value);
        var alert = DuisResponse.CreateDccAlert(versionOf(schedule.Owner), removal.AlertCode, ResponseCode.I0, at, body, responseId: responseId);
        await EnqueueAsync(schedule.Owner, $"schedule-{schedule.Id}", $"{responseId}:{removal.AlertCode}", alert, cancellationToken);
    }

    public async Task DeviceUnreachableAsync(StoredScheduleRef schedule, RequestId command, DateTimeOffset at, string reason, CancellationToken cancellationToken = default)
    {
        var body = new CommandFailure(command, schedule.DeviceId, schedule.Id.Value).ToXml();
        var alert = DuisResponse.CreateDccAlert(versionOf(schedule.Owner), UnreachableAlertCode, ResponseCode.E31, at, body, requestId: command);
        await EnqueueAsync(schedule.Owner, command.ToString(), $"{command}:{UnreachableAlertCode}", alert, cancellationToken);
    }

    private async Task EnqueueAsync(Eui recipient, string orderingKey, string responseId, DuisResponse alert, CancellationToken cancellationToken)
    {
        var signed = alert.ToSignedBytes(dspKey);
        try
        {
            await outbox.EnqueueAsync([new OutboxEntry(responseId, recipient, orderingKey, OutboxKind.DccAlert, signed)], cancellationToken);
        }
        catch (System.Data.Common.DbException e) when (IsDuplicate(e))
        {
            // Written already by the run whose lease ran out: the outbox holds it once.
        }
    }

    private static bool IsDuplicate(System.Data.Common.DbException e) =>
        // Only the unique response_id: any other refusal (a CHECK, a trigger: SQLite reports those as constraint errors too) is a failure.
        e is Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 } // SQLITE_CONSTRAINT_UNIQUE
        || e is Npgsql.PostgresException { SqlState: "23505" };
}
