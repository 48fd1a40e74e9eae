using System.Xml;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Schedules;

/// <summary>How a schedule executor claims and runs occurrences.</summary>
/// <param name="Lease">How long a claimed occurrence is held before another node may take it (longer than a batch takes).</param>
/// <param name="BatchSize">Occurrences claimed at once.</param>
/// <param name="DeviceTimeout">How long the network has to take a command before the device counts as unreachable (E31).</param>
/// <param name="Parallelism">Occurrences of one batch handed to the network at once.</param>
public sealed record ScheduleExecutorOptions(TimeSpan Lease, int BatchSize, TimeSpan DeviceTimeout, int Parallelism)
{
    public static ScheduleExecutorOptions Default { get; } = new(TimeSpan.FromMinutes(5), 500, TimeSpan.FromSeconds(30), 16);
}

/// <summary>What became of one occurrence.</summary>
public enum OccurrenceOutcome
{
    /// <summary>Access control admitted the command at execution time and the network took it.</summary>
    Fired,
    /// <summary>The device could not be reached in time: the owner is told E31; the schedule stays.</summary>
    DeviceUnreachable,
    /// <summary>The network refused the command with a code; this occurrence is missed, the schedule stays.</summary>
    RefusedByNetwork,
    /// <summary>Access control refused the command for a reason that ends the schedule: removed, with a DSPScheduleRemoval alert.</summary>
    Removed,
    /// <summary>Access control refused this occurrence only (the device is in Recovery, say); the schedule stays.</summary>
    Missed,
    /// <summary>Another node completed the occurrence after this one's lease ran out; nothing more was done here.</summary>
    AlreadyCompleted,
}

/// <summary>One occurrence's outcome, with the command built for it and the code or reason where there is one.</summary>
public sealed record OccurrenceResult(DueOccurrence Occurrence, RequestId Command, OccurrenceOutcome Outcome, ResponseCode? Code = null, string? Reason = null);

/// <summary>
/// Runs DCC Schedules' occurrences as they fall due (DUIS 3.8.43, issue 7): claims them from the
/// shared store by lease, builds each occurrence's Service Request on behalf of the owner
/// (<see cref="ScheduledRequest"/>), re-checks access control at execution time through the same
/// <see cref="AccessPipeline"/> that admits Users' requests (E4 after a change of supplier, E5 after
/// a decommission, ...), and hands admitted commands to the Smart Metering WAN with the
/// DSPScheduleID (<see cref="DeviceCommand.Schedule"/>; DUIS 3.5.7: the responses carry it).
/// </summary>
/// <remarks>
/// Exactly once: an occurrence is completed in the store only after the network took its command;
/// a node that dies in between leaves it leased, and whoever claims it after the lease sends the same
/// Request ID again (<see cref="ScheduledRequest.RequestIdFor"/>), which the network recognises.
/// The pipeline is asked without admitting the command to the Users' request log: a DCC-generated
/// command is not one of the User's requests for duplicate and sequencing checks.
/// </remarks>
public sealed class ScheduleExecutor(
    IScheduleStore store,
    AccessPipeline pipeline,
    IDeviceNetwork network,
    IScheduleNotices notices,
    TimeProvider clock,
    ScheduleExecutorOptions? options = null)
{
    private readonly ScheduleExecutorOptions _options = options ?? ScheduleExecutorOptions.Default;

    public ScheduleExecutorOptions Options => _options;

    /// <summary>Claims one batch of due occurrences and runs them; an empty list when none is due.</summary>
    public async Task<IReadOnlyList<OccurrenceResult>> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var due = await store.ClaimDueAsync(now, _options.Lease, _options.BatchSize, cancellationToken).ConfigureAwait(false);
        if (due.Count == 0) return [];
        var requests = BuildRequests(due);
        var results = new OccurrenceResult[due.Count];
        await Parallel.ForAsync(0, due.Count, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await RunAsync(due[i], requests[i], ct).ConfigureAwait(false)).ConfigureAwait(false);

        // Removed schedules are gone already; every other occurrence moves its schedule on, in one go.
        var ran = new List<DueOccurrence>(due.Count);
        foreach (var r in results)
            if (r.Outcome != OccurrenceOutcome.Removed) ran.Add(r.Occurrence);
        var completed = await store.CompleteAsync(ran, cancellationToken).ConfigureAwait(false);
        if (completed.Count == ran.Count) return results;
        for (var i = 0; i < results.Length; i++)
            if (results[i].Outcome != OccurrenceOutcome.Removed && !completed.Contains(results[i].Occurrence.Id))
                results[i] = results[i] with { Outcome = OccurrenceOutcome.AlreadyCompleted };
        return results;
    }

    /// <summary>Runs batches until none is due (tests and catching up after a pause).</summary>
    public async Task<IReadOnlyList<OccurrenceResult>> RunAllDueAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<OccurrenceResult>();
        while (true)
        {
            var batch = await RunDueAsync(cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0) return all;
            all.AddRange(batch);
        }
    }

    /// <summary>
    /// Each occurrence's request, in the owner's DUIS version. Built on one thread before the batch
    /// runs in parallel: each distinct scheduled body is parsed once and then only read, and an
    /// XmlDocument may not be read by several threads while another builds from it.
    /// </summary>
    private DuisRequest[] BuildRequests(IReadOnlyList<DueOccurrence> due)
    {
        var parsed = new Dictionary<string, XmlElement>(StringComparer.Ordinal);
        var versions = new Dictionary<Eui, DuisSchemaVersion>();
        var requests = new DuisRequest[due.Count];
        for (var i = 0; i < due.Count; i++)
        {
            var schedule = due[i].Definition;
            if (!parsed.TryGetValue(schedule.ScheduledBodyXml, out var body))
                parsed.Add(schedule.ScheduledBodyXml, body = ScheduledRequest.ParseBody(schedule.ScheduledBodyXml));
            if (!versions.TryGetValue(schedule.Owner, out var version))
                versions.Add(schedule.Owner, version = pipeline.Snapshot.TryGetUser(schedule.Owner, out var owner) && DuisSchemaVersion.TryParse(owner.DuisVersion, out var v)
                    ? v : DuisSchemaVersion.V5_4);
            requests[i] = ScheduledRequest.Build(due[i].Id, schedule, due[i].DueAt, version, body);
        }
        return requests;
    }

    private async Task<OccurrenceResult> RunAsync(DueOccurrence occurrence, DuisRequest request, CancellationToken cancellationToken)
    {
        var schedule = occurrence.Definition;
        var reference = new StoredScheduleRef(occurrence.Id, schedule.Owner, schedule.DeviceId);
        var now = clock.GetUtcNow();

        var decision = pipeline.Evaluate(new AccessRequest(request, request.CommandVariant.WebService(), Authentication.Verified, schedule.Owner));
        if (!decision.IsAccepted)
        {
            var status = pipeline.Snapshot.TryGetDevice(schedule.DeviceId, out var device) ? device.Status : (SmiStatus?)null;
            var reason = $"{decision.Reason} ({decision.FailedCheck!.Clause})";
            if (ScheduleRemovalTriggers.ForRefusal(decision.Code, status) is not { } trigger)
                return new OccurrenceResult(occurrence, request.RequestId, OccurrenceOutcome.Missed, decision.Code, reason);
            var removal = ScheduleRemovalTriggers.Remove(trigger, $"{decision.Code} at execution: {reason}");
            if (await store.DeleteAsync(occurrence.Id, cancellationToken).ConfigureAwait(false))
                await notices.ScheduleRemovedAsync(reference, removal, now, cancellationToken).ConfigureAwait(false);
            return new OccurrenceResult(occurrence, request.RequestId, OccurrenceOutcome.Removed, decision.Code, removal.Reason);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.DeviceTimeout);
        DeviceAcceptance acceptance;
        try
        {
            acceptance = await network.AcceptAsync(new DeviceCommand(request, schedule.Owner, now, occurrence.Id), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or DeviceUnreachableException)
        {
            var why = e is OperationCanceledException
                ? $"the Smart Metering WAN did not take the command within {_options.DeviceTimeout.TotalSeconds:0.###} s"
                : e.Message;
            await notices.DeviceUnreachableAsync(reference, request.RequestId, clock.GetUtcNow(), why, cancellationToken).ConfigureAwait(false);
            return new OccurrenceResult(occurrence, request.RequestId, OccurrenceOutcome.DeviceUnreachable, ResponseCode.E31, why);
        }
        if (acceptance.Code == ResponseCode.I99 || acceptance.Code == ResponseCode.I0)
            return new OccurrenceResult(occurrence, request.RequestId, OccurrenceOutcome.Fired, acceptance.Code);
        if (acceptance.Code == ResponseCode.E20 || acceptance.Code == ResponseCode.E21 || acceptance.Code == ResponseCode.E31)
        {
            var why = $"the Smart Metering WAN answered {acceptance.Code}";
            await notices.DeviceUnreachableAsync(reference, request.RequestId, clock.GetUtcNow(), why, cancellationToken).ConfigureAwait(false);
            return new OccurrenceResult(occurrence, request.RequestId, OccurrenceOutcome.DeviceUnreachable, ResponseCode.E31, why);
        }
        return new OccurrenceResult(occurrence, request.RequestId, OccurrenceOutcome.RefusedByNetwork, acceptance.Code);
    }
}

/// <summary>Thrown by an <see cref="IDeviceNetwork"/> that cannot establish communications with the device (E20/E31).</summary>
internal sealed class DeviceUnreachableException(string message) : Exception(message);
