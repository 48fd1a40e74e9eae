using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using static OpenDuis.Core.Tests.AccessControl.AccessFixture;

namespace OpenDuis.Core.Tests.AccessControl;

/// <summary>The pipeline behind the server's admission seam, and the request log's hold.</summary>
public sealed class AccessPipelineAdmissionTests
{
    [Fact]
    public void The_admission_seam_answers_the_pipelines_code_and_clause()
    {
        var f = new AccessFixture();
        var admission = new AccessPipelineAdmission(f.Pipeline);
        var user = UserId(UserRole.ImportSupplier);
        var refused = admission.Evaluate(new AuthenticatedRequest(f.Request("4.1.1", user, DemoEnvironment.Gsme), WebService.SendCommand, user, Now));
        Assert.Equal(ResponseCode.E4, refused.RefusedWith);
        Assert.Contains("SEC H4", refused.Reason);
        Assert.True(admission.Evaluate(new AuthenticatedRequest(f.Request("4.1.1", user, DemoEnvironment.Esme), WebService.SendCommand, user, Now)).IsAccepted);
    }

    [Fact]
    public void Admission_only_admits_the_lease_ends_the_request_and_frees_its_id()
    {
        var f = new AccessFixture();
        var admission = new AccessPipelineAdmission(f.Pipeline);
        var inProcess = new RequestLogInProcess(f.Pipeline.Log);
        var user = UserId(UserRole.ImportSupplier);
        var local = f.Request("4.1.1", user, DemoEnvironment.Esme, CommandVariant.ReturnForLocalDeliveryNonCritical, counter: 9);
        var lease = inProcess.TryBegin(local.RequestId)!;
        Assert.True(admission.Evaluate(new AuthenticatedRequest(local, WebService.NonDevice, user, Now)).IsAccepted);
        lease.Admitted();
        Assert.Null(inProcess.TryBegin(local.RequestId));
        Assert.Equal(ResponseCode.E55, admission.Evaluate(new AuthenticatedRequest(local, WebService.NonDevice, user, Now)).RefusedWith);
        lease.Complete(succeeded: true);
        Assert.NotNull(inProcess.TryBegin(local.RequestId));
    }

    [Fact]
    public void A_device_request_without_a_response_frees_its_id_after_the_hold()
    {
        var clock = new FakeTimeProvider(Now);
        var pipeline = new AccessPipeline(InMemoryAccessSnapshot.Demo(), new InMemoryRequestLog(clock, TimeSpan.FromMinutes(5)), clock);
        var request = new AccessFixture().Request("4.1.1", DemoEnvironment.Supplier, DemoEnvironment.Esme);
        Assert.True(pipeline.Decide(new AccessRequest(request, WebService.SendCommand)).IsAccepted);
        clock.SetUtcNow(Now.AddMinutes(4));
        Assert.Equal(ResponseCode.E55, pipeline.Decide(new AccessRequest(request, WebService.SendCommand)).Code);
        clock.SetUtcNow(Now.AddMinutes(5));
        Assert.True(pipeline.Decide(new AccessRequest(request, WebService.SendCommand)).IsAccepted);
    }

    [Fact]
    public void Finished_requests_older_than_the_retention_are_forgotten_but_smets1_counters_are_kept()
    {
        var clock = new FakeTimeProvider(Now);
        var log = new InMemoryRequestLog(clock, TimeSpan.FromMinutes(5), retention: TimeSpan.FromHours(1));
        var pipeline = new AccessPipeline(InMemoryAccessSnapshot.Demo(), log, clock);
        var f = new AccessFixture();
        var user = DemoEnvironment.Supplier;
        var done = f.Request("4.1.1", user, Smets1Esme, counter: 50);
        var pending = f.Request("4.1.1", user, DemoEnvironment.Esme, counter: 51);
        Assert.True(pipeline.Decide(new AccessRequest(done, WebService.SendCommand)).IsAccepted);
        log.Complete(done.RequestId, RequestState.Succeeded);
        clock.SetUtcNow(Now.AddMinutes(30));
        Assert.True(pipeline.Decide(new AccessRequest(pending, WebService.SendCommand)).IsAccepted);
        Assert.Equal(2, log.Count);

        clock.SetUtcNow(Now.AddHours(2));
        Assert.True(pipeline.Decide(new AccessRequest(f.Request("4.1.1", user, DemoEnvironment.Esme, counter: 52), WebService.SendCommand)).IsAccepted);
        Assert.Equal(1, log.Count);
        Assert.Equal(ResponseCode.E63, pipeline.Evaluate(new AccessRequest(done, WebService.SendCommand)).Code);
    }

    [Fact]
    public void Finished_requests_nothing_can_refer_to_leave_after_the_short_window_and_sequences_and_local_commands_stay_the_day()
    {
        var clock = new FakeTimeProvider(Now);
        var log = new InMemoryRequestLog(clock, TimeSpan.FromMinutes(5), retention: TimeSpan.FromDays(1), unlinkedRetention: TimeSpan.FromMinutes(15));
        var v = ServiceReferenceVariant.Parse("4.1.1");
        LoggedRequest Entry(ulong counter, CommandVariant cv = CommandVariant.SendNonCritical, RequestId? preceding = null, bool first = false) =>
            new(new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, counter), v, cv, preceding, first, clock.GetUtcNow());
        var plain = Entry(1);
        var first = Entry(2, first: true);
        var second = Entry(3, preceding: first.Id);
        var local = Entry(4, CommandVariant.ReturnForLocalDeliveryNonCritical);
        var namedAsPreceding = Entry(5);
        var follower = Entry(6, preceding: namedAsPreceding.Id);
        var ended = Entry(7);
        var unanswered = Entry(8);
        foreach (var e in new[] { plain, first, second, local, namedAsPreceding, follower, ended, unanswered })
            Assert.True(log.TryAdmit(e, smets1Target: false));
        log.EndSequence(ended.Id);
        foreach (var e in new[] { plain, first, second, local, namedAsPreceding, follower, ended })
            log.Complete(e.Id, RequestState.Succeeded);

        clock.SetUtcNow(Now.AddMinutes(14));
        Assert.True(log.TryAdmit(Entry(9), smets1Target: false)); // a sweep, inside the short window: nothing goes
        Assert.True(log.TryGet(plain.Id, out _));

        clock.SetUtcNow(Now.AddMinutes(16));
        Assert.True(log.TryAdmit(Entry(10), smets1Target: false));
        Assert.False(log.TryGet(plain.Id, out _));
        Assert.False(log.TryGet(unanswered.Id, out _)); // past its hold, so finished (failed), and unlinked
        foreach (var kept in new[] { first, second, local, namedAsPreceding, follower, ended })
            Assert.True(log.TryGet(kept.Id, out _), $"{kept.Id} should stay the day");
        Assert.True(log.TryGetSuccessor(first.Id, out var successor) && successor == second.Id);
        Assert.True(log.TryGet(Entry(9).Id, out _)); // admitted at 14 minutes, still inside its window

        clock.SetUtcNow(Now.AddDays(1).AddMinutes(2));
        Assert.True(log.TryAdmit(Entry(11), smets1Target: false));
        Assert.Equal(1, log.Count);
    }

    [Fact]
    public void Concurrent_duplicates_admit_exactly_one()
    {
        var f = new AccessFixture();
        var request = f.Request("4.1.1", DemoEnvironment.Supplier, DemoEnvironment.Esme);
        var accepted = 0;
        Parallel.For(0, 64, _ =>
        {
            if (f.Pipeline.Decide(new AccessRequest(request, WebService.SendCommand)).IsAccepted) Interlocked.Increment(ref accepted);
        });
        Assert.Equal(1, accepted);
    }
}
