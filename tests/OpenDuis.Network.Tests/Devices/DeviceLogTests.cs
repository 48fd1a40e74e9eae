using OpenDuis.Network.Devices;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Tests.Devices;

/// <summary>A device's event log keeps its last <see cref="DeviceState.LogCapacity"/> events in order, and a state logged from is left as it was.</summary>
public class DeviceLogTests
{
    [Fact]
    public void The_log_keeps_the_last_events_in_order_and_earlier_states_keep_theirs()
    {
        var start = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        DeviceEvent Event(int i) => new(start.AddSeconds(i), ServiceReferenceVariant.Parse("4.1.1"), new RequestId(new Eui(1), new Eui(2), (ulong)i));
        var state = new DeviceState { Id = new Eui(2), Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus };
        var states = new List<DeviceState> { state };
        for (var i = 0; i < 250; i++) states.Add(state = state.Logged(Event(i)));

        Assert.Equal(Enumerable.Range(150, 100).Select(Event), state.Log);
        Assert.Equal(Event(249), state.Log[^1]);
        Assert.Equal(Enumerable.Range(0, 10).Select(Event), states[10].Log);
        Assert.Equal(Enumerable.Range(20, 100).Select(Event), states[120].Log);
        // Two states logged from the same one do not see each other's event.
        var a = states[50].Logged(Event(1000));
        var b = states[50].Logged(Event(2000));
        Assert.Equal(Event(1000), a.Log[^1]);
        Assert.Equal(Event(2000), b.Log[^1]);
        Assert.Equal(50, states[50].Log.Count);
    }
}
