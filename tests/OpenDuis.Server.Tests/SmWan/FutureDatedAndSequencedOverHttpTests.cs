using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Network.Execution;
using static OpenDuis.TestSupport.SmWanServer;

namespace OpenDuis.Server.Tests.SmWan;

/// <summary>
/// Future Dated (DSP) requests held by the DCC and released at their execution date-time, their
/// timeouts (E30, E31) and cancellation (E52), and sequenced requests failed at runtime (E43, E44,
/// E47) — each sent as a signed RTDS request over HTTP, what reaches the User verified as the DSP's
/// and valid against the 5.4 XSD and the DCC Boxed tool.
/// </summary>
[Collection(nameof(SmWanServer))]
public sealed class FutureDatedAndSequencedOverHttpTests(SmWanServer server)
{
    private const string Read = "ECS17b_4.1.1_SINGLE_SUCCESS";

    [Fact]
    public async Task A_Future_Dated_DSP_request_is_held_until_its_execution_time_then_answered_I0()
    {
        // Four seconds ahead, so that a second after its I99 it is still held on a machine busy with other test runs.
        var executeAt = DateTimeOffset.UtcNow.AddSeconds(4);
        var request = Request(Read, executeAt: executeAt);
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
        await Task.Delay(TimeSpan.FromMilliseconds(1000), TestContext.Current.CancellationToken);
        Assert.Null(server.FirstDeliveryOf(IdOf(request)));
        var response = await server.ReceiveAsync(IdOf(request));
        Assert.Equal(ResponseCode.I0, response.ResponseCode);
        Assert.True(server.FirstDeliveryOf(IdOf(request)) >= executeAt);
    }

    [Fact]
    public async Task A_Future_Dated_DSP_request_whose_device_cannot_be_reached_at_its_time_fails_with_E31()
    {
        await server.SetFaultAsync(DemoEnvironment.Esme, "unreachable");
        try
        {
            // Still in the future when accepted, on a busy machine too.
            var request = Request(Read, executeAt: DateTimeOffset.UtcNow.AddSeconds(3));
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
            var alert = await server.ReceiveAsync(IdOf(request));
            Assert.Equal(ResponseCode.E31, alert.ResponseCode);
            Assert.Equal("N10", alert.Alert!.Code.Code);
            Assert.Equal(IdOf(request).ToString(), Sr(alert, "CommandRequestID"));
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
    }

    [Fact]
    public async Task A_Future_Dated_Device_command_with_no_response_on_its_date_fails_with_E30()
    {
        await server.SetFaultAsync(DemoEnvironment.Esme, "no-response");
        try
        {
            // A critical Future Dated (Device) command: its Signed Pre-Command carries the execution date-time, three
            // seconds after its Pre-Command was returned and signed (a date-time already past when the Signed Pre-Command
            // runs makes it an On Demand command: E21, not E30).
            var (id, answer, executeAt) = await server.SendSignedPreCommandAsync("ECS01d_1.2.2_FUTURE_DATED_SUCCESS", TimeSpan.FromSeconds(3));
            Assert.Equal(ResponseCode.I99, answer.ResponseCode);
            var alert = await server.ReceiveAsync(id);
            Assert.Equal(ResponseCode.E30, alert.ResponseCode);
            Assert.Equal("N7", alert.Alert!.Code.Code);
            Assert.Equal(id.ToString(), Sr(alert, "CommandRequestID"));
            Assert.True(server.FirstDeliveryOf(id) >= executeAt + Execution.ResponseTimeout);
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
    }

    [Fact]
    public async Task Cancelling_a_held_Future_Dated_DSP_request_stops_it_and_a_cancel_with_nothing_to_cancel_is_E52()
    {
        // Five seconds ahead: the cancel must reach it while it is held, after two other requests, on a busy machine too.
        var executeAt = DateTimeOffset.UtcNow.AddSeconds(5);
        var held = Request(Read, executeAt: executeAt);
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(held)).ResponseCode);

        var cancel = Request(Read, executeAt: SmWanExecution.CancelExecutionDateTime);
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(cancel)).ResponseCode);
        var again = Request(Read, executeAt: SmWanExecution.CancelExecutionDateTime);
        var refused = await server.SendAsync(again);
        Assert.Equal(ResponseCode.E52, refused.ResponseCode);
        Assert.Equal(ResponseBodyKind.ResponseMessage, refused.BodyKind);

        var pastItsTime = executeAt + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        if (pastItsTime > TimeSpan.Zero) await Task.Delay(pastItsTime, TestContext.Current.CancellationToken);
        Assert.Null(server.FirstDeliveryOf(IdOf(held)));
    }

    [Fact]
    public async Task A_sequenced_request_runs_once_its_previous_request_succeeded()
    {
        var first = Request(Read, firstInSequence: true);
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(first)).ResponseCode);
        var second = Request(Read, firstInSequence: false, preceding: IdOf(first));
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(second)).ResponseCode);
        Assert.Equal(ResponseCode.I0, (await server.ReceiveAsync(IdOf(first))).ResponseCode);
        Assert.Equal(ResponseCode.I0, (await server.ReceiveAsync(IdOf(second))).ResponseCode);
    }

    [Fact]
    public async Task A_sequenced_request_after_a_failed_one_fails_with_E43()
    {
        var first = Request(Read, firstInSequence: true);
        var second = Request(Read, firstInSequence: false, preceding: IdOf(first));
        await server.SetFaultAsync(DemoEnvironment.Esme, "esme-undeliverable");
        try
        {
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(first)).ResponseCode);
            Assert.Equal(ResponseCode.E58, (await server.ReceiveAsync(IdOf(first))).ResponseCode);
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(second)).ResponseCode);
        var alert = await server.ReceiveAsync(IdOf(second));
        Assert.Equal(ResponseCode.E43, alert.ResponseCode);
        Assert.Equal("N12", alert.Alert!.Code.Code);
        Assert.Equal(IdOf(second).ToString(), Sr(alert, "CommandRequestID"));
    }

    [Fact]
    public async Task A_sequenced_request_whose_previous_response_does_not_come_within_the_Wait_Period_fails_with_E44()
    {
        await server.SetFaultAsync(DemoEnvironment.Esme, "slow", "4000");
        try
        {
            var first = Request(Read, firstInSequence: true);
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(first)).ResponseCode);
            var second = Request(Read, firstInSequence: false, preceding: IdOf(first));
            var sent = DateTimeOffset.UtcNow;
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(second)).ResponseCode);
            var alert = await server.ReceiveAsync(IdOf(second));
            Assert.Equal(ResponseCode.E44, alert.ResponseCode);
            Assert.Equal("N13", alert.Alert!.Code.Code);
            Assert.True(server.FirstDeliveryOf(IdOf(second)) - sent >= Execution.SequenceWaitPeriod - TimeSpan.FromMilliseconds(300));
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
    }

    [Fact]
    public async Task A_sequenced_request_after_an_On_Demand_command_the_device_never_answered_fails_with_E47()
    {
        var first = Request(Read, firstInSequence: true);
        var second = Request(Read, firstInSequence: false, preceding: IdOf(first));
        await server.SetFaultAsync(DemoEnvironment.Esme, "no-response");
        try
        {
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(first)).ResponseCode);
            Assert.Equal(ResponseCode.E21, (await server.ReceiveAsync(IdOf(first))).ResponseCode);
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(second)).ResponseCode);
        var e47 = await server.ReceiveAsync(IdOf(second));
        Assert.Equal(ResponseCode.E47, e47.ResponseCode);
        Assert.Equal("N14", e47.Alert!.Code.Code);
    }
}
