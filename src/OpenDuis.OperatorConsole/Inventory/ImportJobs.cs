using System.Collections.Concurrent;
using OpenDuis.Core.Inventory;
using OpenDuis.Storage.Csv;

namespace OpenDuis.OperatorConsole.Inventory;

/// <summary>One CSV import the console started: its progress while it runs, its result when done.</summary>
public sealed class ImportJob(string id, string fileName, long totalBytes)
{
    private ImportProgress _progress = new(ImportPhase.Validating, 0, totalBytes);

    public string Id { get; } = id;
    public string FileName { get; } = fileName;
    public long TotalBytes { get; } = totalBytes;
    public ImportProgress Progress { get => _progress; set => _progress = value; }
    public ImportResult? Result { get; set; }

    /// <summary>A failure of the import itself (the database refused the write), as one sentence.</summary>
    public string? Failure { get; set; }

    public bool Done => Result is not null || Failure is not null;

    /// <summary>How far through both passes (validate, then write), 0-100.</summary>
    public int Percent => Done ? 100 : (int)(TotalBytes == 0 ? 0 : (Progress.Phase == ImportPhase.Validating ? 0 : 50) + 50 * Progress.BytesRead / TotalBytes);
}

/// <summary>
/// Device imports from the Inventory page, run with the same importer as <c>openduis import devices</c>
/// (every row checked, nothing written unless all are valid); the imported Devices are then made
/// visible to the running server's access control.
/// </summary>
internal sealed class ImportJobs(ConsoleContext context, SmiCache cache)
{
    private readonly ConcurrentDictionary<string, ImportJob> _jobs = new();

    public ImportJob? Find(string id) => _jobs.GetValueOrDefault(id);

    public async Task<ImportJob> StartAsync(string fileName, Stream upload, CancellationToken cancellationToken)
    {
        // Inventory (MPxNs, UPRNs) in the owner-only data folder: 0700 and 0600 like the rest of it.
        var folder = Protocol.Keys.OwnerOnly.CreateDirectory(Path.Combine(context.Options.DataFolder, "imports")).FullName;
        var id = Guid.NewGuid().ToString("N")[..12];
        var path = Path.Combine(folder, id + ".csv");
        await using (var file = Protocol.Keys.OwnerOnly.Create(path)) await upload.CopyToAsync(file, cancellationToken);
        var job = new ImportJob(id, Path.GetFileName(fileName), new FileInfo(path).Length);
        _jobs[id] = job;
        _ = Task.Run(() => RunAsync(job, path));
        return job;
    }

    private async Task RunAsync(ImportJob job, string path)
    {
        try
        {
            var progress = new Progress<ImportProgress>(p => job.Progress = p);
            var result = await CsvImporter.ImportAsync(context.Store, CsvKind.Devices, path, progress);
            if (result.Succeeded) cache.AdmitImported(await ReadDevicesAsync(path));
            job.Result = result;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            job.Failure = $"The import failed and nothing was written: {e.Message}";
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<List<Device>> ReadDevicesAsync(string path)
    {
        var devices = new List<Device>();
        await using var stream = File.OpenRead(path);
        await foreach (var row in CsvLines.ReadAsync(stream, SmiCsv.Header(CsvKind.Devices)))
            if (SmiCsv.TryParseDevice(row.Fields, out var d, out _)) devices.Add(d);
        return devices;
    }
}
