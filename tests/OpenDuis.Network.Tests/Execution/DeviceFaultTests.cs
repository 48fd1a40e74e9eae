using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Tests.Execution;

public sealed class DeviceFaultTests
{
    [Theory]
    [InlineData("unreachable", null, "unreachable")]
    [InlineData("no-response", null, "no-response")]
    [InlineData("slow", "1500", "slow 1500")]
    [InlineData("esme-undeliverable", null, "esme-undeliverable")]
    [InlineData("dual-band", "0x8f2d", "dual-band 0x8F2D")]
    [InlineData("dual-band", "8F22", "dual-band 0x8F22")]
    [InlineData("s1sp-error", null, "s1sp-error S1SP001")]
    [InlineData("cos-party", "E71", "cos-party E71")]
    public void Each_mode_reads_back_as_it_is_shown(string mode, string? parameter, string shown)
    {
        Assert.True(DeviceFault.TryParse(mode, parameter, out var fault, out var problem), problem);
        Assert.Equal(shown, fault.ToString());
        Assert.True(DeviceFault.TryParse(DeviceFault.Name(fault.Mode), fault.Parameter, out var again, out _));
        Assert.Equal(fault, again);
    }

    [Theory]
    [InlineData("melting", null, "'melting' is not a fault mode")]
    [InlineData(null, null, "'' is not a fault mode")]
    [InlineData("slow", null, "slow needs the delay in milliseconds")]
    [InlineData("slow", "0", "slow needs the delay in milliseconds")]
    [InlineData("dual-band", "0x8F84", "0x8F84 is not a Sub GHz alert")]
    [InlineData("dual-band", "zz", "dual-band needs the CHF alert code")]
    [InlineData("cos-party", "E65", "E65 is not a CoS Party failure")]
    [InlineData("cos-party", "X1", "cos-party needs the failure's Response Code")]
    public void A_bad_fault_is_refused_with_the_reason(string? mode, string? parameter, string reason)
    {
        Assert.False(DeviceFault.TryParse(mode, parameter, out _, out var problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Every_runtime_failure_has_its_row_in_table_order()
    {
        foreach (var failure in Enum.GetValues<RuntimeFailure>())
            Assert.Equal(failure, RuntimeFailures.Of(failure).Failure);
        Assert.Equal(ResponseCode.E58, RuntimeFailures.Of(RuntimeFailure.EsmeUndeliverable).ResponseCode);
        Assert.Equal("N53", RuntimeFailures.Of(RuntimeFailure.EsmeUndeliverable).AlertCode.Code);
    }
}
