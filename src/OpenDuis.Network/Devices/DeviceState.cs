using System.Collections.Immutable;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Devices;

/// <summary>The supply (load switch) state of an ESME or the valve of a GSME (GBCS ECS42–ECS45, GCS32–GCS35; DUIS 7.1–7.4).</summary>
public enum SupplyState : byte
{
    /// <summary>DLMS disconnect control "disconnected" (0).</summary>
    Disabled = 0,
    /// <summary>DLMS disconnect control "connected" (1).</summary>
    Enabled = 1,
    /// <summary>DLMS disconnect control "ready for reconnection" (2).</summary>
    Armed = 2,
}

/// <summary>One line of an emulated device's own event log (what it executed, and when).</summary>
public readonly record struct DeviceEvent(DateTimeOffset At, ServiceReferenceVariant Variant, RequestId Request);

/// <summary>A prepayment meter's credit and debt registers (the MMC's 4.3 ReadInstantaneousPrepayValuesRsp), in the currency's minor unit.</summary>
public readonly record struct PrepaymentRegisters(long MeterBalance, long EmergencyCreditBalance, long AccumulatedDebt, long PaymentDebt, long TimeDebt1, long TimeDebt2);

/// <summary>
/// What an emulated device holds. Immutable: executing a command gives the next state, which the
/// network keeps only once the response that reports it is in the outbox (and, with a device state
/// store, written with it: <see cref="DeviceStateDocument"/>). Meter registers are not stored: they
/// advance with the clock from a base derived from the Device ID (<see cref="Registers"/>), so they
/// are the same after a restart and on every node.
/// </summary>
public sealed record DeviceState
{
    public required Eui Id { get; init; }
    public required DeviceType Type { get; init; }
    public required DeviceGeneration Generation { get; init; }
    public string FirmwareVersion { get; init; } = "00000001";
    public SupplyState Supply { get; init; } = SupplyState.Enabled;

    /// <summary>Prepayment meter balance in the currency's minor unit (DUIS 1.5 AdjustMeterBalance, 4.3).</summary>
    public long MeterBalance { get; init; }

    /// <summary>
    /// The prepayment registers a 4.3 read returns (ESME ECS19, GSME GCS14, the SMETS1 Service Provider's
    /// ReadInstantaneousPrepayValuesRsp): the meter balance held; the emulated meter lends no emergency credit and holds no
    /// debt (no Service Request it executes sets one), so those read zero.
    /// </summary>
    public PrepaymentRegisters Prepayment => new(MeterBalance, EmergencyCreditBalance: 0, AccumulatedDebt: 0, PaymentDebt: 0, TimeDebt1: 0, TimeDebt2: 0);

    /// <summary>The last tariff written (DUIS 1.1.x): the request's body element name and when it was applied.</summary>
    public (string Element, DateTimeOffset At)? Tariff { get; init; }

    /// <summary>The prices of the tariff held (DUIS 1.1.1, 1.2.1 write them; 4.11.1 reads them).</summary>
    public TariffPrices Prices { get; init; } = TariffPrices.Default;

    /// <summary>Firmware hash of an image activated (DUIS 11.3), until the version it carries is read.</summary>
    public string? ActivatedFirmwareHash { get; init; }

    /// <summary>The most recent commands executed (the last <see cref="LogCapacity"/>).</summary>
    public IReadOnlyList<DeviceEvent> Log { get; init; } = [];

    public const int LogCapacity = 100;

    /// <summary>How many events the device has logged in all (its newest event's number; the log keeps the last <see cref="LogCapacity"/>).</summary>
    public long LogCount { get; init; }

    /// <summary>The version of the kept state this one was read as or written as (0: never kept).</summary>
    public long Version { get; init; }

    public Registers RegistersAt(DateTimeOffset at) => Registers.For(Id, Type, at);

    public DeviceState Logged(DeviceEvent e) => this with { Log = DeviceLog.Of(Log).Add(e, LogCapacity), LogCount = LogCount + 1 };
}

/// <summary>
/// A device's most recent events, persistent: the next state's log shares all but its newest event with this
/// one (an immutable queue, the oldest dropped past the capacity), where copying the whole log for every command
/// cost about 5 KB a command. Read as a list it is laid out once.
/// </summary>
internal sealed class DeviceLog : IReadOnlyList<DeviceEvent>
{
    private static readonly DeviceLog Empty = new(ImmutableQueue<DeviceEvent>.Empty, 0);
    private readonly ImmutableQueue<DeviceEvent> _events;
    private DeviceEvent[]? _laidOut;

    private DeviceLog(ImmutableQueue<DeviceEvent> events, int count)
    {
        _events = events;
        Count = count;
    }

    public int Count { get; }

    public static DeviceLog Of(IReadOnlyList<DeviceEvent> events)
    {
        if (events is DeviceLog log) return log;
        var built = Empty;
        foreach (var e in events) built = built.Add(e, int.MaxValue);
        return built;
    }

    public DeviceLog Add(DeviceEvent e, int capacity)
    {
        var events = _events.Enqueue(e);
        var count = Count + 1;
        for (; count > capacity; count--) events = events.Dequeue();
        return new DeviceLog(events, count);
    }

    private DeviceEvent[] LaidOut => _laidOut ??= [.. _events];

    public DeviceEvent this[int index] => LaidOut[index];

    public IEnumerator<DeviceEvent> GetEnumerator() => ((IEnumerable<DeviceEvent>)LaidOut).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A meter's cumulative registers at an instant: a base from the Device ID plus a constant mean
/// demand since 2020-01-01, so a later read never shows less and a restart changes nothing.
/// </summary>
public readonly record struct Registers(ulong ActiveImportWh, ulong ReactiveImportVarh, ulong ActiveExportWh, ulong ReactiveExportVarh, ulong GasVolumeLitres)
{
    private static readonly DateTimeOffset Origin = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Registers For(Eui id, DeviceType type, DateTimeOffset at)
    {
        var hours = Math.Max(0, (at - Origin).TotalHours);
        var seed = (id.Value * 0x9E3779B97F4A7C15UL) >> 44; // up to about a million
        ulong Grow(double perHour, ulong @base) => @base + (ulong)(hours * perHour);
        return type == DeviceType.GSME || type == DeviceType.GPF
            ? new Registers(0, 0, 0, 0, Grow(110, seed * 10))  // about 1,000 m³ a year
            : new Registers(Grow(340, seed * 10), Grow(40, seed), Grow(60, seed / 4), Grow(8, seed / 16), 0); // about 3,000 kWh a year
    }
}
