using System.Xml;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.TestSupport;

namespace OpenDuis.Core.Tests.Schedules;

/// <summary>
/// 5.1 CreateSchedule rules (R-SR-5.1) on the RTDS 5.1 template: for each Response Code a request
/// that triggers it and a near miss that differs in the one data item and is accepted.
/// </summary>
public sealed class CreateScheduleRulesTests
{
    private const string Ns = DuisNamespaces.ServiceUserGateway;
    private static readonly DateOnly DayBeforeTemplateStart = new(2015, 1, 1); // the template starts 2015-01-02

    private static readonly Eui Smets2Esme = Eui.Parse("00-DB-12-34-56-78-90-A0"); // the template's DeviceID
    private static readonly Eui Smets2Gsme = Eui.Parse("00-DB-12-34-56-78-90-B0");
    private static readonly Eui Smets1Esme = Eui.Parse("00-DB-12-34-56-78-90-C0");
    private static readonly Eui Chf = Eui.Parse("00-DB-12-34-56-78-90-D0");
    private static readonly Eui NotInInventory = Eui.Parse("00-DB-12-34-56-78-90-E0");

    private static readonly Dictionary<Eui, ScheduledDevice> Inventory = new[]
    {
        new ScheduledDevice(Smets2Esme, DeviceType.ESME, DeviceGeneration.Smets2Plus),
        new ScheduledDevice(Smets2Gsme, DeviceType.GSME, DeviceGeneration.Smets2Plus),
        new ScheduledDevice(Smets1Esme, DeviceType.ESME, DeviceGeneration.Smets1),
        new ScheduledDevice(Chf, DeviceType.CHF, DeviceGeneration.Smets2Plus),
    }.ToDictionary(d => d.Id);

    // Element order of sr:DSPSchedule, so optional items go where the XSD puts them.
    private static readonly string[] Order =
    [
        "ScheduleFrequency", "ScheduleStartDate", "ScheduleEndDate", "ScheduleExecutionStartTime", "KAPublicSecurityCredential",
        "DSPScheduledServiceReference", "DSPScheduledServiceReferenceVariant", "DeviceID",
    ];

    private const string KaCredential = "MIIBsjCCAVegAwIBAgIQ"; // base64; its content is not judged at request time

    /// <summary>A 5.1 request built from the RTDS template, changed as the case says.</summary>
    private sealed class Case
    {
        private readonly XmlDocument _doc = new() { PreserveWhitespace = false };

        public Case()
        {
            _doc.Load(Path.Combine(RepoPaths.Templates, "ECS21a_5.1._DCC_SCHEDULED_REQUEST_DUIS.XML"));
        }

        public UserRole Role { get; private set; } = UserRole.ImportSupplier;
        public DateOnly Today { get; private set; } = DayBeforeTemplateStart;

        private XmlElement Schedule => (XmlElement)_doc.GetElementsByTagName("CreateSchedule", Ns)[0]!;

        public Case As(UserRole role) { Role = role; return this; }
        public Case On(DateOnly today) { Today = today; return this; }

        public Case Set(string item, string? value)
        {
            var existing = Schedule.ChildNodes.OfType<XmlElement>().FirstOrDefault(e => e.LocalName == item);
            if (value is null) { if (existing is not null) Schedule.RemoveChild(existing); return this; }
            if (existing is not null) { existing.InnerText = value; return this; }
            var e = _doc.CreateElement("sr", item, Ns);
            e.InnerText = value;
            var rank = Array.IndexOf(Order, item);
            var before = Schedule.ChildNodes.OfType<XmlElement>().FirstOrDefault(c => Array.IndexOf(Order, c.LocalName) is var r && (r < 0 || r > rank));
            Schedule.InsertBefore(e, before);
            return this;
        }

        public Case Scheduling(string reference, string variant, string bodyElement, Eui device)
        {
            Set("DSPScheduledServiceReference", reference).Set("DSPScheduledServiceReferenceVariant", variant).Set("DeviceID", device.ToString());
            var old = Schedule.ChildNodes.OfType<XmlElement>().Last();
            var body = _doc.CreateElement("sr", bodyElement, Ns);
            if (bodyElement.EndsWith("Log") || bodyElement.Contains("Profile") || bodyElement == "DSPReadNetworkData")
                foreach (var child in old.ChildNodes.OfType<XmlElement>().ToList()) body.AppendChild(child); // keep the ReadLogPeriodOffset
            Schedule.ReplaceChild(body, old);
            return this;
        }

        public ScheduleRuling<ScheduleDefinition> Check() =>
            ScheduleRequestRules.CheckCreate(DuisRequest.Read(_doc), Role, id => Inventory.GetValueOrDefault(id), Today);
    }

    /// <summary>Each case: the code it must produce ("I0" = accepted) and the request.</summary>
    private static readonly Dictionary<string, (string Code, Func<Case> Build)> Cases = new()
    {
        ["template as published (IS, 4.6.1 daily on an ESME)"] = ("I0", () => new Case()),

        ["E050101 start date is today"] = ("E050101", () => new Case().On(new DateOnly(2015, 1, 2))),
        ["E050101 start date in the past"] = ("E050101", () => new Case().On(new DateOnly(2016, 1, 2))),
        ["near E050101: start date tomorrow"] = ("I0", () => new Case().On(new DateOnly(2015, 1, 1))),

        ["E050102 end date the day before the start"] = ("E050102", () => new Case().Set("ScheduleEndDate", "2015-01-01")),
        ["near E050102: end date equal to the start"] = ("I0", () => new Case().Set("ScheduleEndDate", "2015-01-02")),

        ["E050103 OU without end date"] = ("E050103", () => new Case().As(UserRole.OtherUser)
            .Scheduling("4.8", "4.8.1", "DSPReadActiveImportProfileData", Smets2Esme).Set("KAPublicSecurityCredential", KaCredential)),
        ["near E050103: OU with end date"] = ("I0", () => new Case().As(UserRole.OtherUser)
            .Scheduling("4.8", "4.8.1", "DSPReadActiveImportProfileData", Smets2Esme).Set("KAPublicSecurityCredential", KaCredential).Set("ScheduleEndDate", "2016-01-01")),
        ["near E050103: GT without end date"] = ("I0", () => new Case().As(UserRole.GasTransporter)
            .Scheduling("4.10", "4.10", "DSPReadNetworkData", Smets2Gsme)),

        ["E050105 variant not DCC Scheduled (4.1.1)"] = ("E050105", () => new Case()
            .Scheduling("4.1", "4.1.1", "DSPReadInstantaneousImportRegisters", Smets2Esme)),
        ["E050105 variant of another reference (4.8 with 4.6.1)"] = ("E050105", () => new Case().Set("DSPScheduledServiceReference", "4.8")),
        ["near E050105: 4.8.1 under 4.8"] = ("I0", () => new Case().Scheduling("4.8", "4.8.1", "DSPReadActiveImportProfileData", Smets2Esme)),

        ["E050109 4.6.1 with the export daily read log element"] = ("E050109", () => new Case()
            .Scheduling("4.6", "4.6.1", "DSPRetrieveExportDailyReadLog", Smets2Esme)),
        ["E050109 4.6.1 with the unscheduled element name"] = ("E050109", () => new Case()
            .Scheduling("4.6", "4.6.1", "RetrieveImportDailyReadLog", Smets2Esme)),
        ["near E050109: 4.6.2 with the export daily read log element (ES)"] = ("I0", () => new Case().As(UserRole.ExportSupplier)
            .Scheduling("4.6", "4.6.2", "DSPRetrieveExportDailyReadLog", Smets2Esme)),

        ["E050110 GS scheduling 4.12.1 (IS and ED only)"] = ("E050110", () => new Case().As(UserRole.GasSupplier)
            .Scheduling("4.12", "4.12.1", "DSPReadMaximumDemandImportRegisters", Smets2Esme)),
        ["near E050110: IS scheduling 4.12.1"] = ("I0", () => new Case()
            .Scheduling("4.12", "4.12.1", "DSPReadMaximumDemandImportRegisters", Smets2Esme)),

        ["E050111 4.2 on a SMETS2+ ESME"] = ("E050111", () => new Case().As(UserRole.ExportSupplier)
            .Scheduling("4.2", "4.2", "DSPReadInstantaneousExportRegisters", Smets2Esme)),
        ["near E050111: 4.2 on a SMETS1 ESME"] = ("I0", () => new Case().As(UserRole.ExportSupplier)
            .Scheduling("4.2", "4.2", "DSPReadInstantaneousExportRegisters", Smets1Esme)),

        ["E050112 4.6.1 on a Communications Hub Function"] = ("E050112", () => new Case().Set("DeviceID", Chf.ToString())),
        ["near E050112: 4.6.1 on a GSME (GS)"] = ("I0", () => new Case().As(UserRole.GasSupplier).Set("DeviceID", Smets2Gsme.ToString())),

        ["E19 DeviceID not in the inventory"] = ("E19", () => new Case().Set("DeviceID", NotInInventory.ToString())),

        ["E050107 IS with a KA credential"] = ("E050107", () => new Case().Set("KAPublicSecurityCredential", KaCredential)),
        ["E050107 ED with a KA credential"] = ("E050107", () => new Case().As(UserRole.ElectricityDistributor)
            .Scheduling("4.10", "4.10", "DSPReadNetworkData", Smets2Esme).Set("KAPublicSecurityCredential", KaCredential)),
        ["near E050107: GS with a KA credential"] = ("I0", () => new Case().As(UserRole.GasSupplier)
            .Set("DeviceID", Smets2Gsme.ToString()).Set("KAPublicSecurityCredential", KaCredential)),

        ["E050108 GT, sensitive 4.8.1 on a GSME, no KA"] = ("E050108", () => new Case().As(UserRole.GasTransporter)
            .Scheduling("4.8", "4.8.1", "DSPReadActiveImportProfileData", Smets2Gsme)),
        ["E050108 OU, sensitive 4.17, no KA"] = ("E050108", () => new Case().As(UserRole.OtherUser)
            .Scheduling("4.17", "4.17", "DSPRetrieveDailyConsumptionLog", Smets2Esme).Set("ScheduleEndDate", "2016-01-01")),
        ["near E050108: GT, sensitive 4.8.1 on a GSME, with KA"] = ("I0", () => new Case().As(UserRole.GasTransporter)
            .Scheduling("4.8", "4.8.1", "DSPReadActiveImportProfileData", Smets2Gsme).Set("KAPublicSecurityCredential", KaCredential)),
        ["near E050108: GT, non-sensitive 4.10 on a GSME, no KA"] = ("I0", () => new Case().As(UserRole.GasTransporter)
            .Scheduling("4.10", "4.10", "DSPReadNetworkData", Smets2Gsme)),

        ["E49 frequency outside the enumeration"] = ("E49", () => new Case().Set("ScheduleFrequency", "Fortnightly")),
        ["E49 start date with an offset"] = ("E49", () => new Case().Set("ScheduleStartDate", "2015-01-02+01:00")),
        ["E49 start date missing"] = ("E49", () => new Case().Set("ScheduleStartDate", null)),
        ["E49 execution time not a time"] = ("E49", () => new Case().Set("ScheduleExecutionStartTime", "25:00:00")),
        ["E49 KA credential not base64"] = ("E49", () => new Case().Set("KAPublicSecurityCredential", "not base64!")),
        ["near E49: Half-Yearly, a Z-suffixed start date and an execution time"] = ("I0", () => new Case()
            .Set("ScheduleFrequency", "Half-Yearly").Set("ScheduleStartDate", "2015-01-02Z").Set("ScheduleExecutionStartTime", "12:30:00Z")),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_rule_answers_with_its_code(string name)
    {
        var (code, build) = Cases[name];
        var ruling = build().Check();
        Assert.True(code == ruling.Code.Code, $"{name}: expected {code}, got {ruling}");
        if (code == "I0")
        {
            Assert.True(ruling.IsAccepted);
            Assert.NotNull(ruling.Value);
        }
        else
        {
            Assert.False(ruling.IsAccepted);
            Assert.False(string.IsNullOrWhiteSpace(ruling.Reason));
            Assert.False(string.IsNullOrWhiteSpace(ruling.Clause));
        }
    }

    [Fact]
    public void Every_service_specific_5_1_code_has_a_triggering_case()
    {
        var fiveOne = ResponseCodes.All.Where(c => c.TryGetServiceSpecific(out var r, out _) && r == ServiceReference.Parse("5.1")).Select(c => c.Code);
        var triggered = Cases.Values.Select(c => c.Code).ToHashSet();
        Assert.All(fiveOne, code => Assert.Contains(code, triggered));
    }

    [Fact]
    public void An_accepted_schedule_carries_the_template_s_data_and_the_default_execution_time()
    {
        var ruling = new Case().Check();
        var d = ruling.Value!;
        Assert.Equal(Eui.Parse("90-B3-D5-1F-30-01-00-00"), d.Owner);
        Assert.Equal(UserRole.ImportSupplier, d.OwnerRole);
        Assert.Equal(ScheduleFrequency.Daily, d.Timing.Frequency);
        Assert.Equal(new DateOnly(2015, 1, 2), d.Timing.StartDate);
        Assert.Null(d.Timing.EndDate);
        Assert.Equal(new TimeOnly(0, 1, 0), d.Timing.ExecutionStartTime);
        Assert.Equal(ServiceReferenceVariant.Parse("4.6.1"), d.ScheduledVariant);
        Assert.Equal(Smets2Esme, d.DeviceId);
        Assert.Contains("DSPRetrieveImportDailyReadLog", d.ScheduledBodyXml);
        Assert.Contains("StartDateOffset", d.ScheduledBodyXml);
        Assert.Null(d.KaPublicSecurityCredential);
    }

    [Fact]
    public void The_execution_time_given_is_kept()
    {
        var d = new Case().Set("ScheduleExecutionStartTime", "12:30:00Z").Set("ScheduleEndDate", "2015-02-01").Check().Value!;
        Assert.Equal(new TimeOnly(12, 30), d.Timing.ExecutionStartTime);
        Assert.Equal(new DateOnly(2015, 2, 1), d.Timing.EndDate);
    }

    [Fact]
    public void A_request_other_than_5_1_is_a_programming_error()
    {
        var doc = new XmlDocument();
        doc.Load(Path.Combine(RepoPaths.Templates, "5.2_READ_SCHEDULE_REQUEST_DUIS.XML"));
        Assert.Throws<ArgumentException>(() => ScheduleRequestRules.CheckCreate(DuisRequest.Read(doc), UserRole.ImportSupplier, _ => null, DayBeforeTemplateStart));
    }
}
