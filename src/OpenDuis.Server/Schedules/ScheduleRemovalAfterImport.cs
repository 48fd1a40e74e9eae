using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Server.Hosting;
using OpenDuis.Storage;
using OpenDuis.Storage.Csv;

namespace OpenDuis.Server.Schedules;

/// <summary>
/// Registration Data and Users change only by import (<c>openduis import registrations|parties</c>):
/// once an import has been written, the DCC Schedules it takes away from their owners end at once
/// (<see cref="ScheduleRemovalOnRightsChange"/>: N17 after a change of supplier or network operator,
/// N37/N40 after a User is withdrawn, suspended or loses a role), with their DSPScheduleRemoval alerts
/// signed by the DSP and written to the data folder's outbox, which <c>openduis serve</c> delivers.
/// </summary>
/// <remarks>
/// The import's own transaction has committed before this runs (the import is all or nothing on its
/// own); the deletions and their alerts then commit together in one unit of work. Should the process
/// stop in between, nothing is lost: the executor refuses the schedule's next occurrence on the same
/// grounds and removes it with the same alert.
/// </remarks>
public static class ScheduleRemovalAfterImport
{
    /// <summary>The schedules the imported file took away from their owners, removed; empty for a Devices import.</summary>
    public static async Task<IReadOnlyList<RemovedSchedule>> RunAsync(DataFolder folder, CsvKind kind, string path, TimeProvider clock,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (kind is not (CsvKind.Registrations or CsvKind.Parties)) return [];
        await using var host = await DataFolderHost.OpenAsync(folder, clock, cancellationToken);
        var dspKey = host.Keys.FindXmlSigningKey(DemoKeySet.DspEui)
            ?? throw new InvalidOperationException($"The key store has no DSP xmlSign key (role 0x89) for {DemoKeySet.DspEui}: DCC Alerts must be signed with it.");
        var notices = new OutboxScheduleNotices(host.Outbox, dspKey,
            user => host.AccessSnapshot.TryGetUser(user, out var u) && DuisSchemaVersion.TryParse(u.DuisVersion, out var v) ? v : DuisSchemaVersion.V5_4);
        var removal = new ScheduleRemovalOnRightsChange(host.Schedules, notices,
            new AccessPipeline(host.AccessSnapshot, new InMemoryRequestLog(clock), clock), clock);
        var change = $"the import of {Path.GetFileName(path)}";

        if (kind == CsvKind.Parties)
        {
            var users = new HashSet<Eui>();
            await foreach (var row in ReadAsync(path, kind, cancellationToken))
                if (SmiCsv.TryParseUser(row, out var u, out _)) users.Add(u.User.Id);
            return await host.UnitOfWork.RunAsync(ct => removal.UsersChangedAsync(users, change, ct), cancellationToken);
        }

        var mpxns = new HashSet<Mpxn>();
        await foreach (var row in ReadAsync(path, kind, cancellationToken))
            if (SmiCsv.TryParseRegistration(row, out var period, out _)) mpxns.Add(period.Mpxn);
        var devices = new List<Eui>();
        await foreach (var device in host.Store.ReadDevicesAsync(cancellationToken))
            if (device.Mpxn is { } m && mpxns.Contains(m)) devices.Add(device.Id);
        return await host.UnitOfWork.RunAsync(ct => removal.RegistrationChangedAsync(devices, change, ct), cancellationToken);
    }

    private static async IAsyncEnumerable<string[]> ReadAsync(string path, CsvKind kind, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        await foreach (var row in CsvLines.ReadAsync(stream, SmiCsv.Header(kind), cancellationToken: cancellationToken))
            yield return row.Fields;
    }
}
