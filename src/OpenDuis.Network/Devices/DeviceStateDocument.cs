using System.Text.Json;
using System.Text.Json.Serialization;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Devices;

/// <summary>
/// A <see cref="DeviceState"/> as the device state store keeps it (issue 22): everything the device holds but its
/// log, as JSON (readable in the database), the log as the store's events. Read back it is the same state, so a
/// Device answers the same on whichever node runs it, and after a restart.
/// </summary>
internal sealed record DeviceStateDocument(
    DeviceType Type,
    DeviceGeneration Generation,
    string FirmwareVersion,
    SupplyState Supply,
    long MeterBalance,
    string? TariffElement,
    DateTimeOffset? TariffAt,
    TariffPrices Prices,
    string? ActivatedFirmwareHash,
    long LogCount)
{
    public static StoredDeviceState Store(DeviceState state, long version, IReadOnlyList<StoredDeviceEvent> events) =>
        new(state.Id, version, JsonSerializer.Serialize(Of(state), DeviceStateJson.Default.DeviceStateDocument), events);

    /// <summary>The events <paramref name="after"/> logged since <paramref name="before"/> (at most those its log still holds), numbered.</summary>
    public static IReadOnlyList<StoredDeviceEvent> NewEvents(DeviceState before, DeviceState after)
    {
        var count = (int)Math.Min(after.LogCount - before.LogCount, after.Log.Count);
        if (count <= 0) return [];
        var events = new StoredDeviceEvent[count];
        for (var i = 0; i < count; i++)
        {
            var e = after.Log[after.Log.Count - count + i];
            events[i] = new StoredDeviceEvent(after.LogCount - count + 1 + i, e.At, e.Variant.ToString(), e.Request.ToString());
        }
        return events;
    }

    public static DeviceState Read(StoredDeviceState stored)
    {
        var d = JsonSerializer.Deserialize(stored.State, DeviceStateJson.Default.DeviceStateDocument)
            ?? throw new InvalidDataException($"The kept state of Device {stored.Device} is empty.");
        return new DeviceState
        {
            Id = stored.Device,
            Type = d.Type,
            Generation = d.Generation,
            FirmwareVersion = d.FirmwareVersion,
            Supply = d.Supply,
            MeterBalance = d.MeterBalance,
            Tariff = d.TariffElement is { } element && d.TariffAt is { } at ? (element, at) : null,
            Prices = d.Prices,
            ActivatedFirmwareHash = d.ActivatedFirmwareHash,
            Log = DeviceLog.Of([.. stored.Events.Select(e => new DeviceEvent(e.At, ServiceReferenceVariant.Parse(e.Variant), RequestId.Parse(e.RequestId)))]),
            LogCount = d.LogCount,
            Version = stored.Version,
        };
    }

    private static DeviceStateDocument Of(DeviceState s) =>
        new(s.Type, s.Generation, s.FirmwareVersion, s.Supply, s.MeterBalance, s.Tariff?.Element, s.Tariff?.At, s.Prices, s.ActivatedFirmwareHash, s.LogCount);
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(DeviceStateDocument))]
internal sealed partial class DeviceStateJson : JsonSerializerContext;
