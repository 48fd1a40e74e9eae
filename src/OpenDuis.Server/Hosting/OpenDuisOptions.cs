using OpenDuis.Core.Alerts;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Network;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Schema;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// What every OpenDUIS holds: the keys it signs and verifies with, the stores it reads and writes, and how
/// it checks requests. Set by <see cref="OpenDuisServices.AddOpenDuis(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{OpenDuisOptions})"/>;
/// each feature added on the <see cref="OpenDuisBuilder"/> has options of its own.
/// </summary>
public sealed class OpenDuisOptions
{
    /// <summary>The Users' certificates and the DSP's keys (<see cref="DspKey"/> defaults to its xmlSign key). Required.</summary>
    public KeyStore Keys { get; set; } = null!;

    /// <summary>The DSP xmlSign key (role 0x89) answers are signed with; by default the key store's preferred one.</summary>
    public SigningKey? DspKey { get; set; }

    /// <summary>The Smart Metering Inventory, Parties, Users and Registration Data. Required.</summary>
    public ISmiStore Store { get; set; } = null!;

    /// <summary>Where Service Responses and DCC Alerts wait for delivery. Required.</summary>
    public IOutboxStore Outbox { get; set; } = null!;

    /// <summary>The transaction across the stores of <see cref="Store"/>'s database (SMI, schedules, outbox): each inventory request's change, the DCC Alerts it raises and the schedules it ends commit together (R-WS-2). Without it each is written in a transaction of its own.</summary>
    public Core.Transactions.IUnitOfWork? UnitOfWork { get; set; }

    /// <summary>The official DUIS XSDs (R-MSG-4); without them requests are checked structurally only.</summary>
    public DuisSchemas? Schemas { get; set; }

    /// <summary>How long a device request's ID stays "in process" (E55) when no response ends it.</summary>
    public TimeSpan DeviceRequestHold { get; set; } = OpenDuisServices.DefaultDeviceRequestHold;

    /// <summary>This node's number among nodes sharing a database (<see cref="ResponseCounter"/>), so the ResponseIDs it originates are its own; null for a node alone.</summary>
    public int? NodeNumber { get; set; }

    /// <summary>The DSP xmlSign key: <see cref="DspKey"/>, else the key store's; null when neither has one.</summary>
    internal SigningKey? FindDspKey() => DspKey ?? Keys?.FindXmlSigningKey(DemoKeySet.DspEui);
}

/// <summary>The emulated Smart Metering WAN (<see cref="OpenDuisBuilder.AddSmWan"/>).</summary>
public sealed class SmWanOptions
{
    /// <summary>The emulated devices' latency, RTDS replay folder and queue limits.</summary>
    public EmulatedSmWanOptions Network { get; set; } = new();

    /// <summary>Future Dated (DSP), sequencing and injected faults in front of the devices: their timeouts and wait periods.</summary>
    public SmWanExecutionOptions Execution { get; set; } = new();

    /// <summary>Where injected faults and held Future Dated (DSP) requests are kept across a restart; without it they last as long as the process.</summary>
    public Core.Requests.ISmWanExecutionStore? State { get; set; }

    /// <summary>Where nodes sharing a database keep the Pre-Commands they issue (E51 on any node); without it each node keeps its own in memory.</summary>
    public Core.Requests.IIssuedPreCommandStore? IssuedPreCommands { get; set; }
}

/// <summary>Threshold Anomaly Detection (SEC G6; <see cref="OpenDuisBuilder.AddAnomalyDetection"/>).</summary>
public sealed class AnomalyDetectionOptions
{
    /// <summary>The Users' and the DCC's volume thresholds device requests are counted against (N46, N47).</summary>
    public List<AnomalyThreshold> Thresholds { get; } = [];

    /// <summary>The DCC's attribute limits a value in a request must stay within (N48).</summary>
    public List<AttributeLimit> AttributeLimits { get; } = [];
}
