using OpenDuis.Network.Events;
using OpenDuis.Protocol.Messages.Alerts;

namespace OpenDuis.Network.Tests.Events;

/// <summary>The table of injectable device events agrees with itself and with the DCC Alert catalogue that names its events.</summary>
public sealed class DeviceEventKindsTests
{
    [Fact]
    public void Every_event_has_its_row_in_table_order_with_a_name_of_its_own()
    {
        foreach (var kind in Enum.GetValues<DeviceEventKind>())
            Assert.Equal(kind, DeviceEventKinds.Of(kind).Kind);
        Assert.Equal(DeviceEventKinds.Table.Count, DeviceEventKinds.Names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_catalogue_trigger_of_each_events_alert_code_names_the_event()
    {
        foreach (var d in DeviceEventKinds.Table)
            if (d.AlertCode is { } code) Assert.Contains(d.Name, DccAlertCatalogue.Of(code).Trigger);
    }

    [Fact]
    public void A_parameter_is_either_required_or_optional_never_both()
    {
        foreach (var d in DeviceEventKinds.Table)
            Assert.Empty(d.Required.Intersect(d.Optional));
    }

    [Theory]
    [InlineData(null, "'' is not a device event")]
    [InlineData("PPMID-Alert", "ppmid-alert needs --alert-code.")]
    [InlineData("ch-firmware-activated", "ch-firmware-activated needs --firmware-version.")]
    [InlineData("ecos-alert", "ecos-alert needs --request-id and --code.")]
    public void An_event_without_what_it_needs_is_refused_with_the_reason(string? kind, string reason)
    {
        Assert.False(DeviceEventRequest.TryParse(new DeviceEventInput(kind), out _, out var problem));
        Assert.StartsWith(reason, problem);
    }

    [Fact]
    public void A_firmware_version_longer_than_the_XSD_allows_is_refused()
    {
        Assert.False(DeviceEventRequest.TryParse(new DeviceEventInput("ch-firmware-activated", FirmwareVersion: "123456789"), out _, out var problem));
        Assert.Equal("--firmware-version '123456789' is not a firmware version (sr:FirmwareVersion: 1 to 8 characters).", problem);
    }

    [Fact]
    public void A_well_formed_event_is_read_with_its_parameters()
    {
        Assert.True(DeviceEventRequest.TryParse(new DeviceEventInput("comms-hub-alert", "8f3e", "0102", "00-DB-12-34-56-78-90-A0"), out var request, out var problem), problem);
        Assert.Equal((ushort)0x8F3E, request.AlertCode);
        Assert.Equal("0102", request.FirmwareVersion);
        Assert.Equal("00-DB-12-34-56-78-90-A0", request.OtherDevice.ToString());
    }
}
