using OpenDuis.Core.Alerts;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages.Alerts;

namespace OpenDuis.Core.Tests.Alerts;

/// <summary>Threshold Anomaly Detection on volume: sliding periods per User and variant, and the DCC's over all Users.</summary>
public class AnomalyDetectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Other = Eui.Parse("90-B3-D5-1F-30-03-00-00");
    private static readonly ServiceReferenceVariant Read = ServiceReferenceVariant.Parse("4.1.1");
    private static readonly ServiceReferenceVariant TopUp = ServiceReferenceVariant.Parse("2.2");

    [Fact]
    public void Requests_up_to_the_threshold_pass_the_next_is_quarantined_and_the_period_slides()
    {
        var clock = new FakeTimeProvider(Start);
        var detector = new AnomalyDetector(clock);
        detector.SetUserThreshold(Supplier, Read, new VolumeThreshold(Read, 2, TimeSpan.FromMinutes(10)));

        Assert.Null(detector.Count(Supplier, Read));
        clock.SetUtcNow(Start.AddMinutes(5));
        Assert.Null(detector.Count(Supplier, Read));
        var third = detector.Count(Supplier, Read);
        Assert.Equal(AnomalyBreach.UserThreshold, third!.Breach);
        Assert.Equal(3, third.CountInPeriod);

        // Ten minutes after the first, it has left the period: two remain, the next breaches again.
        clock.SetUtcNow(Start.AddMinutes(10));
        Assert.NotNull(detector.Count(Supplier, Read));
        clock.SetUtcNow(Start.AddMinutes(16));
        Assert.Null(detector.Count(Supplier, Read));
    }

    [Fact]
    public void A_Users_threshold_binds_only_that_User_and_that_variant()
    {
        var detector = new AnomalyDetector(new FakeTimeProvider(Start));
        detector.SetUserThreshold(Supplier, Read, new VolumeThreshold(Read, 0, TimeSpan.FromHours(1)));

        Assert.NotNull(detector.Count(Supplier, Read));
        Assert.Null(detector.Count(Supplier, TopUp));
        Assert.Null(detector.Count(Other, Read));
        detector.SetUserThreshold(Supplier, Read, null);
        Assert.Null(detector.Count(Supplier, Read));
    }

    [Fact]
    public void The_DCCs_threshold_counts_all_Users_together()
    {
        var detector = new AnomalyDetector(new FakeTimeProvider(Start));
        detector.SetDccThreshold(TopUp, new VolumeThreshold(TopUp, 1, TimeSpan.FromHours(1)));

        Assert.Null(detector.Count(Supplier, TopUp));
        var second = detector.Count(Other, TopUp);
        Assert.Equal(AnomalyBreach.DccThreshold, second!.Breach);
    }

    [Fact]
    public void Each_quarantine_has_its_own_event_reference()
    {
        var detector = new AnomalyDetector(new FakeTimeProvider(Start));
        detector.SetUserThreshold(Supplier, Read, new VolumeThreshold(Read, 0, TimeSpan.FromHours(1)));

        var refs = Enumerable.Range(0, 5).Select(_ => detector.Count(Supplier, Read)!.EventRef).ToArray();
        Assert.Equal(refs.Length, refs.Distinct().Count());
    }

    [Fact]
    public void A_negative_threshold_or_an_empty_period_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VolumeThreshold(Read, -1, TimeSpan.FromHours(1)));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new VolumeThreshold(Read, 5, TimeSpan.Zero));
        Assert.Contains("longer than zero", ex.Message);
        var mismatch = Assert.Throws<ArgumentException>(() =>
            new AnomalyDetector(new FakeTimeProvider(Start)).SetUserThreshold(Supplier, Read, new VolumeThreshold(TopUp, 1, TimeSpan.FromHours(1))));
        Assert.Contains("for variant 2.2, not 4.1.1", mismatch.Message);
    }
}
