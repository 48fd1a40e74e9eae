using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Tests.Inventory;

public class SmiLifecycleTests
{
    private static Device Device(SmiStatus status) => new()
    {
        Id = Eui.Parse("00-DB-12-34-56-78-90-A0"),
        Type = DeviceType.ESME,
        Generation = DeviceGeneration.Smets2Plus,
        Status = status,
    };

    [Theory]
    [InlineData(SmiStatus.Pending, SmiStatus.Whitelisted)]
    [InlineData(SmiStatus.Whitelisted, SmiStatus.InstalledNotCommissioned)]
    [InlineData(SmiStatus.InstalledNotCommissioned, SmiStatus.Commissioned)]
    [InlineData(SmiStatus.Commissioned, SmiStatus.Decommissioned)]
    [InlineData(SmiStatus.Commissioned, SmiStatus.Suspended)]
    [InlineData(SmiStatus.Suspended, SmiStatus.Commissioned)]
    [InlineData(SmiStatus.Commissioned, SmiStatus.Recovery)]
    [InlineData(SmiStatus.Recovery, SmiStatus.Recovered)]
    [InlineData(SmiStatus.Recovered, SmiStatus.Commissioned)]
    public void The_installation_and_recovery_paths_are_allowed(SmiStatus from, SmiStatus to) =>
        Assert.Equal(to, Device(from).WithStatus(to).Status);

    [Theory]
    [InlineData(SmiStatus.Pending, SmiStatus.Commissioned)]
    [InlineData(SmiStatus.Decommissioned, SmiStatus.Commissioned)]
    [InlineData(SmiStatus.Withdrawn, SmiStatus.Commissioned)]
    [InlineData(SmiStatus.Recovery, SmiStatus.Commissioned)]
    [InlineData(SmiStatus.Commissioned, SmiStatus.Pending)]
    [InlineData(SmiStatus.Commissioned, SmiStatus.Commissioned)]
    public void An_illegal_transition_is_refused_naming_the_device_both_statuses_and_the_allowed_ones(SmiStatus from, SmiStatus to)
    {
        var e = Assert.Throws<IllegalSmiTransitionException>(() => Device(from).WithStatus(to));

        Assert.Equal((from, to), (e.From, e.To));
        Assert.StartsWith($"Device 00-DB-12-34-56-78-90-A0 cannot move from SMI Status {from} to {to}; from {from} it may move only to ", e.Message);
        foreach (var allowed in SmiLifecycle.NextStatuses(from)) Assert.Contains(allowed.ToString(), e.Message);
    }

    [Fact]
    public void Every_status_has_a_row_in_the_table_and_none_allows_itself()
    {
        foreach (var status in Enum.GetValues<SmiStatus>())
        {
            Assert.NotEmpty(SmiLifecycle.NextStatuses(status));
            Assert.False(SmiLifecycle.IsAllowed(status, status));
        }
    }
}
