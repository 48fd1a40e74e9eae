using System.Xml;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.TestSupport;

namespace OpenDuis.Core.Tests.Schedules;

/// <summary>5.2 ReadSchedule and 5.3 DeleteSchedule request rules on the RTDS templates (DSPScheduleID 123).</summary>
public sealed class ReadDeleteScheduleRulesTests
{
    private const string Ns = DuisNamespaces.ServiceUserGateway;
    private static readonly Eui TemplateUser = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui OtherUser = Eui.Parse("90-B3-D5-1F-30-01-00-09");
    private static readonly Eui Meter = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private static readonly Eui OtherMeter = Eui.Parse("00-DB-12-34-56-78-90-B0");

    private sealed class Directory(params ScheduleOwnership[] schedules) : IScheduleDirectory
    {
        public ScheduleOwnership? Find(DspScheduleId id) => schedules.FirstOrDefault(s => s.Id == id);
        public IReadOnlyList<ScheduleOwnership> OnDevice(Eui deviceId) => schedules.Where(s => s.DeviceId == deviceId).ToList();
    }

    private static ScheduleOwnership S(ulong id, Eui owner, Eui device) => new(new DspScheduleId(id), owner, device);

    private static DuisRequest Request(string service, Action<XmlElement>? change = null)
    {
        var doc = new XmlDocument();
        doc.Load(Path.Combine(RepoPaths.Templates, service == "5.2" ? "5.2_READ_SCHEDULE_REQUEST_DUIS.XML" : "5.3_DELETE_SCHEDULE_REQUEST_DUIS.XML"));
        var body = (XmlElement)doc.GetElementsByTagName(service == "5.2" ? "ReadSchedule" : "DeleteSchedule", Ns)[0]!;
        change?.Invoke(body);
        return DuisRequest.Read(doc);
    }

    private static Action<XmlElement> ByDevice(Eui device) => body =>
    {
        body.RemoveAll();
        var e = body.OwnerDocument.CreateElement("sr", "DeviceID", Ns);
        e.InnerText = device.ToString();
        body.AppendChild(e);
    };

    private static Action<XmlElement> IdText(string text) => body => body.FirstChild!.InnerText = text;

    private static ScheduleRuling<IReadOnlyList<ScheduleOwnership>> Check(string service, DuisRequest request, IScheduleDirectory directory) =>
        service == "5.2" ? ScheduleRequestRules.CheckRead(request, directory) : ScheduleRequestRules.CheckDelete(request, directory);

    [Theory]
    [InlineData("5.2", "E050201")]
    [InlineData("5.3", "E050301")]
    public void An_unknown_DSPScheduleID_is_refused(string service, string code)
    {
        var ruling = Check(service, Request(service), new Directory(S(124, TemplateUser, Meter)));
        Assert.Equal(code, ruling.Code.Code);
        Assert.Contains("123", ruling.Reason);
    }

    [Theory]
    [InlineData("5.2", "E050202")]
    [InlineData("5.3", "E050302")]
    public void Another_User_s_schedule_is_refused(string service, string code)
    {
        var ruling = Check(service, Request(service), new Directory(S(123, OtherUser, Meter)));
        Assert.Equal(code, ruling.Code.Code);
        Assert.Contains(TemplateUser.ToString(), ruling.Reason);
    }

    [Theory]
    [InlineData("5.2")]
    [InlineData("5.3")]
    public void The_User_s_own_schedule_is_accepted(string service)
    {
        var ruling = Check(service, Request(service), new Directory(S(123, TemplateUser, Meter), S(124, OtherUser, Meter)));
        Assert.Equal(ResponseCode.I0, ruling.Code);
        Assert.Equal([new DspScheduleId(123)], ruling.Value!.Select(s => s.Id));
    }

    [Theory]
    [InlineData("5.2")]
    [InlineData("5.3")]
    public void By_DeviceID_only_the_User_s_schedules_on_that_device_are_named(string service)
    {
        var directory = new Directory(S(7, TemplateUser, Meter), S(5, TemplateUser, Meter), S(6, OtherUser, Meter), S(8, TemplateUser, OtherMeter));
        var ruling = Check(service, Request(service, ByDevice(Meter)), directory);
        Assert.Equal(ResponseCode.I0, ruling.Code);
        Assert.Equal([5UL, 7UL], ruling.Value!.Select(s => s.Id.Value));
    }

    [Theory]
    [InlineData("5.2", "W050201")]
    [InlineData("5.3", "W050301")]
    public void By_DeviceID_with_none_of_the_User_s_schedules_is_a_warning_with_an_empty_answer(string service, string code)
    {
        var ruling = Check(service, Request(service, ByDevice(Meter)), new Directory(S(6, OtherUser, Meter)));
        Assert.Equal(code, ruling.Code.Code);
        Assert.True(ruling.IsAccepted);
        Assert.Empty(ruling.Value!);
    }

    [Theory]
    [InlineData("5.2", "abc")]
    [InlineData("5.2", "-1")]
    [InlineData("5.3", "1000000000001")]
    [InlineData("5.3", "")]
    public void A_DSPScheduleID_outside_the_XSD_type_is_E49(string service, string text)
    {
        var ruling = Check(service, Request(service, IdText(text)), new Directory());
        Assert.Equal(ResponseCode.E49, ruling.Code);
        Assert.Contains("DSPScheduleID", ruling.Reason);
    }

    [Theory]
    [InlineData("5.2", "1000000000000")]
    [InlineData("5.3", "0")]
    [InlineData("5.3", "+0042")]
    public void The_DSPScheduleID_bounds_are_read(string service, string text)
    {
        var ruling = Check(service, Request(service, IdText(text)), new Directory());
        Assert.StartsWith("E050", ruling.Code.Code); // read, then not found
    }

    [Fact]
    public void Both_choices_at_once_is_E49()
    {
        var ruling = ScheduleRequestRules.CheckRead(Request("5.2", body =>
        {
            var e = body.OwnerDocument.CreateElement("sr", "DeviceID", Ns);
            e.InnerText = Meter.ToString();
            body.AppendChild(e);
        }), new Directory());
        Assert.Equal(ResponseCode.E49, ruling.Code);
        Assert.Contains("exactly one", ruling.Reason);
    }
}
