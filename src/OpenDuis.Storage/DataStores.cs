using OpenDuis.Core.Incidents;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.MapReports;
using OpenDuis.Core.Notices;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Storage.MapReports;
using OpenDuis.Storage.Registers;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage;

/// <summary>
/// A data folder's database as typed stores, one per concern, over one <see cref="SqlConnectionSource"/>:
/// the Smart Metering Inventory (Devices, Parties and Users, Registration Data), the security incident
/// register, the notices register, the SMKI service-desk log and the SEC H17 reports. Disposing it
/// closes the connections they share.
/// </summary>
public sealed class DataStores : IAsyncDisposable
{
    public DataStores(SqlSmiStore smi)
    {
        Smi = smi;
        Incidents = new SqlIncidentStore(smi.Connections);
        Notices = new SqlNoticeStore(smi.Connections);
        ServiceDesk = new SqlServiceDeskLogStore(smi.Connections);
        H17Reports = new SqlH17ReportStore(smi.Connections);
    }

    public SqlSmiStore Smi { get; }
    public IIncidentStore Incidents { get; }
    public INoticeStore Notices { get; }
    public IServiceDeskLogStore ServiceDesk { get; }
    public IH17ReportStore H17Reports { get; }

    public string Description => Smi.Description;

    public ValueTask DisposeAsync() => Smi.DisposeAsync();
}
