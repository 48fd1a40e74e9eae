using System.Xml;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests.Parse;

/// <summary>
/// Where an RTDS 4.5.0 request states a value, the parsed and rendered messages carry the same one: MPANs set by 6.20.1
/// (twin) and 6.20.2 are those 6.2.7 reads; the standing charge, scales and TOU prices 1.1.1 writes are those 4.11.1 reads
/// (electricity and gas), and the 1.1.1 block tariff's season is the one 4.11.1 reads; the thresholds 6.12 writes are those 6.2.5 reads;
/// the voltage settings 6.5 writes are those 6.2.1 reads (single-phase ECS29a/ECS26b; poly-phase ECS29b/ECS26k: RMS, phases 2 and 3);
/// the billing calendars 6.8 writes are those 6.2.3 reads; the switch descriptions 6.14.1 writes are those 7.7 and 7.14 read; the
/// first remote party role 6.24.1 asks for is the first it answers; the load limit settings the future-dated 6.4.1
/// writes are those 4.15 reads; the emergency credit threshold 2.1 sets is the one 4.13 ECS26a reads, and day profiles 1–2 and
/// week profile 1 of the gas non-disablement calendar GCS05 writes are those GCS21b reads, and the SuspendDebtEmergency 1.6 GCS03
/// sets is the one 6.2.9 GCS21j reads; a future-dated command's outcome
/// alert names the command's originator counter; the 1.5 adjustment is what its command carries.
/// Left out, because RTDS's own data disagree: the single-element 6.20.1 sets import MPAN 1312345678333, which the single
/// 6.2.7 read returns as the export MPAN (its import is 1312345678111); the gas 6.20.1 sets MPRN 1234567890, the 6.2.7 read
/// returns 1000999888; 1.5 adjusts the balance by 1200000 (ESME) and 23130 (GSME), while 4.18 reads 250000 and 2500000
/// (a balance after an adjustment, not the adjustment, and no RTDS read follows the 1.5); 11.1 names firmware version
/// 00000000, 11.2 reads 0123ABCD; 6.18.1 sets the maximum demand configurable time period 17:00–22:00, 4.12.1 reads 12:00–09:00;
/// 2.1 (ECS08/ECS08a) sets the ESME's debt recovery rate cap 30, emergency credit limit 300000, low credit threshold 200000 and
/// special days in July–October, 4.13 ECS26a reads 10000, 2500000, 500000 and 25–26 December and two April days (only the
/// emergency credit threshold agrees); 2.3 (ECS07, GCS04) sets debt recovery rates 3 and 15 (ESME) and 50000 (GSME), 4.13
/// reads 5000 and 6000, and 500000 and 200000; the gas 2.1 GCS05's day profile 3, week profile 2 and seasons are not those GCS21b
/// reads, nor are its special days' day references (their first two dates agree, the others do not); the gas 1.6 GCS03 sets SuspendDebtDisabled
/// false, 6.2.9 GCS21j reads Debt Configuration set (true); ECS30a writes billing time 00:00, ECS26l reads 12:00;
/// ECS01a's day and week profiles and special days mix the TOU and block requests' (4.11.1 reads day 1 as blocks 1 and 2 at
/// 07:00 and 23:00, which neither writes), and ECS24b's secondary prices and profiles are not those ECS01c (1.1.2) writes;
/// ECS29b's phase 1 (264/200) is read as 126/96; 7.7 ECS61a reads each switch time ECS46c writes an hour later (06:00 as 07:00);
/// CS07 lists 00-DB-12-34-56-78-90-97, which ECS46c names an HCALCS, as a PPMID.
/// 6.22 against 6.2.10 (ECS25r1, ECS25r2, GCS20r): ECS25a disables 810E on the WAN, the read enables it (and ECS25a's command
/// masks 81C4 and 81C5, which its request does not name, and leaves out the poly-phase 81B7 its request enables); ECS25a1
/// disables 8119 and 8168 for the HAN, the read enables them; ECS25a2 enables 8154, 8155, 8161 and 8162 as audible alarms, the
/// read's alarm filter is empty; ECS25a3 stops logging 8154 and 8155, the read logs them; ECS25b and ECS25b3 disable 8015, the
/// read enables it on the WAN and in the log (and ECS25b's poly-phase 8003 is not in its command); GCS20 sets Alarm for 8161,
/// 8162, 81AA, 81AB, 81BD–81C0, 81C4 and 81C6, no GCS20r configuration has the physical alarm bit; GCS20 sets HAN for 81AA and
/// 81C4 and not WAN for 81C6, the read says otherwise.
/// </summary>
public class RtdsValueAgreementTests
{
    private static string RequestValue(string template, string element)
    {
        return RequestDocument(template).GetElementsByTagName(element, "http://www.dccinterface.co.uk/ServiceUserGateway")[0]?.InnerText
            ?? throw new InvalidOperationException($"{template} states no {element}");
    }

    private static XmlDocument Mmc(string name)
    {
        var bytes = Rtds.Read(Rtds.ResponsesAndAlerts().Single(f => Rtds.Name(f) == name));
        var doc = new XmlDocument();
        doc.LoadXml(MmcRenderer.Render(GbcsParser.Parse(bytes), bytes));
        return doc;
    }

    private static string? Value(XmlDocument doc, string element) =>
        doc.GetElementsByTagName(element, MmcRenderer.Namespace) is { Count: > 0 } list ? list[0]!.InnerText : null;

    [Theory]
    [InlineData("ECS39a_6.20.1_TWIN_SUCCESS_REQUEST_DUIS.XML", "ImportMPAN", "ECS40_6.2.7_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "ImportMPAN")]
    [InlineData("ECS39a_6.20.1_TWIN_SUCCESS_REQUEST_DUIS.XML", "SecondaryImportMPAN", "ECS40_6.2.7_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "SecondaryImportMPAN")]
    [InlineData("ECS39b_6.20.2_SUCCESS_REQUEST_DUIS.XML", "ExportMPAN", "ECS40_6.2.7_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "ExportMPAN")]
    [InlineData("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "StandingCharge", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "StandingCharge")]
    [InlineData("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "StandingChargeScale", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "StandingChargeScale")]
    [InlineData("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "PriceScale", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "PriceScale")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "StandingCharge", "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "StandingCharge")]
    [InlineData("ECS34_6.12_SUCCESS_REQUEST_DUIS.XML", "LowMediumPowerThreshold", "ECS26f_6.2.5_SUCCESS_RESPONSE_GBCS.HEX", "LowMediumPowerThreshold")]
    [InlineData("ECS34_6.12_SUCCESS_REQUEST_DUIS.XML", "MediumHighPowerThreshold", "ECS26f_6.2.5_SUCCESS_RESPONSE_GBCS.HEX", "MediumHighPowerThreshold")]
    [InlineData("ECS29a_6.5_SUCCESS_REQUEST_DUIS.XML", "RMSExtremeOverVoltageThreshold", "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "RMSExtremeOverVoltageThreshold")]
    [InlineData("ECS29a_6.5_SUCCESS_REQUEST_DUIS.XML", "RMSExtremeUnderVoltageMeasurementPeriod", "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "RMSExtremeUnderVoltageMeasurementPeriod")]
    [InlineData("ECS29a_6.5_SUCCESS_REQUEST_DUIS.XML", "RMSVoltageSagThreshold", "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "RMSVoltageSagThreshold")]
    [InlineData("ECS29a_6.5_SUCCESS_REQUEST_DUIS.XML", "RMSVoltageSwellThreshold", "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "RMSVoltageSwellThreshold")]
    [InlineData("ECS29a_6.5_SUCCESS_REQUEST_DUIS.XML", "AverageRMSOverVoltageThreshold", "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "AverageRMSOverVoltageThreshold")]
    [InlineData("ECS29a_6.5_SUCCESS_REQUEST_DUIS.XML", "AverageRMSUnderVoltageThreshold", "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "AverageRMSUnderVoltageThreshold")]
    // 4.15 reads what the future-dated 6.4.1 writes (the immediate one writes "Disable", which the read does not return).
    [InlineData("ECS28a_6.4.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML", "LoadLimitPowerThreshold", "ECS27_4.15_SUCCESS_RESPONSE_GBCS.HEX", "LoadLimitPowerThreshold")]
    [InlineData("ECS28a_6.4.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML", "LoadLimitPeriod", "ECS27_4.15_SUCCESS_RESPONSE_GBCS.HEX", "LoadLimitPeriod")]
    [InlineData("ECS28a_6.4.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML", "LoadLimitRestorationPeriod", "ECS27_4.15_SUCCESS_RESPONSE_GBCS.HEX", "LoadLimitRestorationPeriod")]
    [InlineData("ECS28a_6.4.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML", "LoadLimitSupplyState", "ECS27_4.15_SUCCESS_RESPONSE_GBCS.HEX", "LoadLimitSupplyState")]
    // 6.2.1 poly-phase: the RMS settings 6.5 ECS29b writes are those ECS26k reads.
    [InlineData("ECS29b_6.5_SUCCESS_REQUEST_DUIS.XML", "RMSExtremeOverVoltageThreshold", "ECS26k_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "RMSExtremeOverVoltageThreshold")]
    [InlineData("ECS29b_6.5_SUCCESS_REQUEST_DUIS.XML", "RMSExtremeUnderVoltageThreshold", "ECS26k_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "RMSExtremeUnderVoltageThreshold")]
    [InlineData("ECS29b_6.5_SUCCESS_REQUEST_DUIS.XML", "RMSVoltageSagThreshold", "ECS26k_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "RMSVoltageSagThreshold")]
    [InlineData("ECS29b_6.5_SUCCESS_REQUEST_DUIS.XML", "RMSVoltageSwellMeasurementPeriod", "ECS26k_6.2.1_SUCCESS_RESPONSE_GBCS.HEX", "RMSVoltageSwellMeasurementPeriod")]
    // 6.2.3: the billing calendars 6.8 writes (ECS30 monthly, ECS30a quarterly, GCS25a six-monthly) are those 6.2.3 reads.
    [InlineData("ECS30_6.8_SUCCESS_REQUEST_DUIS.XML", "BillingTime", "ECS26d_6.2.3_SUCCESS_RESPONSE_GBCS.HEX", "BillingTime")]
    [InlineData("ECS30_6.8_SUCCESS_REQUEST_DUIS.XML", "Monthly", "ECS26d_6.2.3_SUCCESS_RESPONSE_GBCS.HEX", "Monthly")]
    [InlineData("ECS30a_6.8_SUCCESS_REQUEST_DUIS.XML", "DayOfMonth", "ECS26l_6.2.3_SUCCESS_RESPONSE_GBCS.HEX", "DayOfMonth")]
    [InlineData("ECS30a_6.8_SUCCESS_REQUEST_DUIS.XML", "BillingPeriodStartMonth", "ECS26l_6.2.3_SUCCESS_RESPONSE_GBCS.HEX", "BillingPeriodStartMonth")]
    [InlineData("GCS25a_6.8_SUCCESS_REQUEST_DUIS.XML", "Periodicity", "GCS21k_6.2.3_SUCCESS_RESPONSE_GBCS.HEX", "Periodicity")]
    // 7.7 and 7.14: the descriptions 6.14.1 ECS46a writes.
    [InlineData("ECS46a_6.14.1_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML", "SwitchDescription", "ECS61a_7.7_ALL_OPTIONALS_SUCCESS_RESPONSE_GBCS.HEX", "Description")]
    [InlineData("ECS46a_6.14.1_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML", "SwitchDescription", "ECS61d_7.14_SUCCESS_RESPONSE_GBCS.HEX", "AuxiliaryControlDescription")]
    // 6.24.1: the first remote party role the request asks for is the first the read answers for.
    [InlineData("CS02aMAC_6.24.1_SUCCESS_REQUEST_DUIS.XML", "RemotePartyRole", "CS02aMAC_6.24.1_SUCCESS_RESPONSE_GBCS.HEX", "RemotePartyRole")]
    // 4.11.1: the season the 1.1.1 block tariff names.
    [InlineData("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", "SeasonName", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "SeasonName")]
    // 2.1 sets the emergency credit threshold 4.13 ECS26a reads (its other values differ: see the class summary).
    [InlineData("ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "EmergencyCreditThreshold", "ECS26a_4.13_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "EmergencyCreditThreshold")]
    [InlineData("ECS08_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "EmergencyCreditThreshold", "ECS26a_4.13_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "EmergencyCreditThreshold")]
    // 1.6 sets the GSME's SuspendDebtEmergency 6.2.9 GCS21j reads (Payment Control Configuration bit 11).
    [InlineData("GCS03_1.6_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "SuspendDebtEmergency", "GCS21j_6.2.9_SUCCESS_RESPONSE_GBCS.HEX", "SuspendDebtEmergency")]
    public void A_value_the_request_writes_is_the_value_the_read_returns(string request, string requestElement, string response, string mmcElement)
    {
        Assert.Equal(RequestValue(request, requestElement), Value(Mmc(response), mmcElement));
    }

    // ECS01a TOU writes TOU prices 2121, 3127 and 4744; the RTDS 4.11.1 read returns 2121 and then 0s (its block prices and
    // thresholds are neither ECS01a request's either), so only TOU price 1 is evidence. GCS01a TOU's four prices all agree.
    [Theory]
    [InlineData("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 1, "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 1, "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 2, "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 3, "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 4, "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    public void A_TOU_price_the_request_writes_is_the_price_the_read_returns(string request, int index, string response)
    {
        Assert.Equal(Indexed(RequestDocument(request), "TOUPrice", "http://www.dccinterface.co.uk/ServiceUserGateway", index),
            Indexed(Mmc(response), "TariffTOUPrice", MmcRenderer.Namespace, index));
    }

    // 6.5 ECS29b writes phase 2's and 3's average RMS thresholds as 6.2.1 ECS26k reads them (phase 1: 264/200 written, 126/96 read).
    [Theory]
    [InlineData(2, "AverageRMSOverVoltageThreshold")]
    [InlineData(2, "AverageRMSUnderVoltageThreshold")]
    [InlineData(3, "AverageRMSOverVoltageThreshold")]
    [InlineData(3, "AverageRMSUnderVoltageThreshold")]
    public void A_phase_voltage_threshold_the_request_writes_is_the_one_the_read_returns(int phase, string element)
    {
        static string? Phase(XmlDocument doc, string ns, int phase, string element) => doc.GetElementsByTagName("PolyPhaseVoltageSettings", ns).Cast<XmlElement>()
            .Where(e => e.GetElementsByTagName("Phase", ns)[0]?.InnerText == phase.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(e => e.GetElementsByTagName(element, ns)[0]?.InnerText).SingleOrDefault();
        var written = Phase(RequestDocument("ECS29b_6.5_SUCCESS_REQUEST_DUIS.XML"), "http://www.dccinterface.co.uk/ServiceUserGateway", phase, element);
        Assert.NotNull(written);
        Assert.Equal(written, Phase(Mmc("ECS26k_6.2.1_SUCCESS_RESPONSE_GBCS.HEX"), MmcRenderer.Namespace, phase, element));
    }

    // GCS05 (2.1) writes the gas non-disablement calendar 4.13 GCS21b reads: day profiles 1 and 2 and week profile 1 agree.
    [Theory]
    [InlineData("GasNonDisablementDayProfile", "1")]
    [InlineData("GasNonDisablementDayProfile", "2")]
    [InlineData("WeekProfile", "1")]
    public void A_gas_non_disablement_calendar_profile_the_request_writes_is_the_profile_the_read_returns(string profile, string name)
    {
        const string sr = "http://www.dccinterface.co.uk/ServiceUserGateway";
        Assert.Equal(CalendarProfile(RequestDocument("GCS05_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML"), sr, profile, name),
            CalendarProfile(Mmc("GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX"), MmcRenderer.Namespace, profile, name));
    }

    /// <summary>A calendar profile as text: a day profile's start times (to the second) and actions, or a week profile's day names.</summary>
    private static string? CalendarProfile(XmlDocument doc, string ns, string profile, string name)
    {
        static string Text(XmlElement e, string child, string ns) => e.GetElementsByTagName(child, ns)[0]?.InnerText ?? "";
        foreach (var p in doc.GetElementsByTagName(profile, ns).Cast<XmlElement>())
        {
            if (Text(p, profile == "WeekProfile" ? "WeekName" : "GasDayName", ns) != name) continue;
            return profile == "WeekProfile"
                ? string.Join(",", p.GetElementsByTagName("ReferencedDayName", ns).Cast<XmlElement>().Select(d => d.InnerText))
                : string.Join(",", p.GetElementsByTagName("TimeStartAction", ns).Cast<XmlElement>().Select(a => Text(a, "StartTime", ns)[..8] + " " + Text(a, "NonDisablementAction", ns)));
        }
        return null;
    }

    private static XmlDocument RequestDocument(string template)
    {
        var doc = new XmlDocument();
        doc.Load(RepoPaths.ReferencePath("duis-templates", template));
        return doc;
    }

    private static string? Indexed(XmlDocument doc, string element, string ns, int index) =>
        doc.GetElementsByTagName(element, ns).Cast<XmlElement>().FirstOrDefault(e => e.GetAttribute("index") == index.ToString(System.Globalization.CultureInfo.InvariantCulture))?.InnerText;

    // 6.2.10 reads the alert behaviours 6.22 sets where RTDS's reads agree with its requests (the others: see the class summary).
    [Theory]
    [InlineData("ECS25a_6.22_SUCCESS_REQUEST_DUIS.XML", "ElectricitySupplierAlerts", "x810D", "ECS25r1_6.2.10_SUCCESS_RESPONSE_GBCS.HEX", "ElectricitySupplierWANAlertSettings")]
    [InlineData("ECS25a1_6.22_SUCCESS_REQUEST_DUIS.XML", "ElectricitySupplierHANAlertSettings", "x810D", "ECS25r1_6.2.10_SUCCESS_RESPONSE_GBCS.HEX", "ElectricitySupplierHANAlertSettings")]
    [InlineData("ECS25a3_6.22_SUCCESS_REQUEST_DUIS.XML", "ElectricitySupplierLoggingSettings", "x8145", "ECS25r1_6.2.10_SUCCESS_RESPONSE_GBCS.HEX", "ElectricitySupplierLoggingSettings")]
    [InlineData("ECS25a3_6.22_SUCCESS_REQUEST_DUIS.XML", "ElectricitySupplierLoggingSettings", "x8161", "ECS25r1_6.2.10_SUCCESS_RESPONSE_GBCS.HEX", "ElectricitySupplierLoggingSettings")]
    [InlineData("ECS25a3_6.22_SUCCESS_REQUEST_DUIS.XML", "ElectricitySupplierLoggingSettings", "x8162", "ECS25r1_6.2.10_SUCCESS_RESPONSE_GBCS.HEX", "ElectricitySupplierLoggingSettings")]
    [InlineData("ECS25a3_6.22_SUCCESS_REQUEST_DUIS.XML", "ElectricitySupplierLoggingSettings", "x81C6", "ECS25r1_6.2.10_SUCCESS_RESPONSE_GBCS.HEX", "ElectricitySupplierLoggingSettings")]
    [InlineData("ECS25b_6.22_SUCCESS_REQUEST_DUIS.XML", "ElectricityNetworkOperatorAlerts", "x8014", "ECS25r2_6.2.10_SUCCESS_RESPONSE_GBCS.HEX", "ElectricityNetworkOperatorWANAlertSettings")]
    [InlineData("ECS25b3_6.22_SUCCESS_REQUEST_DUIS.XML", "ElectricityNetworkOperatorLoggingSettings", "x8014", "ECS25r2_6.2.10_SUCCESS_RESPONSE_GBCS.HEX", "ElectricityNetworkOperatorLoggingSettings")]
    public void An_alert_behaviour_the_request_sets_is_the_one_the_read_returns(string request, string requestGroup, string alert, string response, string mmcGroup)
    {
        static string? Setting(XmlDocument doc, string ns, string group, string alert) =>
            doc.GetElementsByTagName(group, ns).Cast<XmlElement>().Select(g => g.GetElementsByTagName(alert, ns)[0]?.InnerText).SingleOrDefault();
        var written = Setting(RequestDocument(request), "http://www.dccinterface.co.uk/ServiceUserGateway", requestGroup, alert);
        Assert.NotNull(written);
        Assert.Equal(written, Setting(Mmc(response), MmcRenderer.Namespace, mmcGroup, alert));
    }

    // GCS20 (6.22) sets the gas alert behaviours GCS20r (6.2.10) reads, for the alerts and behaviours where RTDS's read agrees.
    [Theory]
    [InlineData("x810E", "WANAlert,HANAlert,EventLog,Alarm")]
    [InlineData("x8161", "WANAlert,HANAlert,EventLog")]
    [InlineData("x8162", "WANAlert,HANAlert,EventLog")]
    [InlineData("x81AA", "WANAlert,EventLog")]
    [InlineData("x81AB", "WANAlert,HANAlert,EventLog")]
    [InlineData("x81BD", "WANAlert,HANAlert,EventLog")]
    [InlineData("x81C0", "WANAlert,HANAlert,EventLog")]
    [InlineData("x81C4", "WANAlert,EventLog")]
    [InlineData("x81C6", "HANAlert,EventLog")]
    public void A_gas_alert_behaviour_the_request_sets_is_the_one_the_read_returns(string alert, string behaviours)
    {
        static string? Behaviour(XmlDocument doc, string ns, string alert, string behaviour) =>
            doc.GetElementsByTagName(alert, ns).Cast<XmlElement>().SingleOrDefault()?.GetElementsByTagName(behaviour, ns)[0]?.InnerText;
        var request = RequestDocument("GCS20_6.22_SUCCESS_REQUEST_DUIS.XML");
        var read = Mmc("GCS20r_6.2.10_SUCCESS_RESPONSE_GBCS.HEX");
        foreach (var behaviour in behaviours.Split(','))
        {
            var written = Behaviour(request, "http://www.dccinterface.co.uk/ServiceUserGateway", alert, behaviour);
            Assert.NotNull(written);
            Assert.Equal(written, Behaviour(read, MmcRenderer.Namespace, alert, behaviour));
        }
    }

    // A deferred command's outcome alert names the command it reports by its originator counter.
    [Theory]
    [InlineData("6.15.1_CS02bSupplierBySupplier", "CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX", "CS02bSupplierBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX", "AuthorisingRemotePartyOriginatorCounter")]
    [InlineData("6.15.1_CS02bSupplierBySupplier", "CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_ERROR_COMMAND_GBCS.HEX", "CS02bSupplierBySupplier_6.15.1_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX", "AuthorisingRemotePartyOriginatorCounter")]
    [InlineData("6.23_CS02bSupplierByTransCoS", "CS02bSupplierByTransCoS_6.23_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX", "CS02bSupplierByTransCoS_6.23_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX", "AuthorisingRemotePartyOriginatorCounter")]
    [InlineData("11.3_CS06", "CS06_11.3_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX", "CS06_11.3_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX", "OriginatorCounterFromCommand")]
    [InlineData("11.3_CS06", "CS06_11.3_FUTURE_DATED_ERROR_COMMAND_GBCS.HEX", "CS06_11.3_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX", "OriginatorCounterFromCommand")]
    public void A_future_dated_outcome_alert_names_the_command_it_reports(string folder, string command, string alert, string mmcElement)
    {
        var counter = GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, folder, command))).Header.OriginatorCounter;
        Assert.Equal(counter.ToString(System.Globalization.CultureInfo.InvariantCulture), Value(Mmc(alert), mmcElement));
    }

    // 1.6 ECS02/ECS03 write the Account's credit_charge_configuration in the form of the payment mode and SuspendDebt flags their
    // requests state; 4.13 ECS26a reads it back in one of those forms (CreditChargeConfiguration).
    [Theory]
    [InlineData("1.6_ECS02", "ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS", false)]
    [InlineData("1.6_ECS02", "ECS02_1.6_FUTURE_DATED_TWIN_SUCCESS", false)]
    [InlineData("1.6_ECS02", "ECS02_1.6_CANCELLATION_TWIN_SUCCESS", false)]
    [InlineData("1.6_ECS03", "ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS", true)]
    [InlineData("1.6_ECS03", "ECS03_1.6_FUTURE_DATED_TWIN_SUCCESS", true)]
    [InlineData("1.6_ECS03", "ECS03_1.6_CANCELLATION_TWIN_SUCCESS", true)]
    public void The_credit_charge_configuration_a_1_6_command_writes_carries_its_request_s_payment_mode_and_suspend_debt_flags(string folder, string name, bool prepayment)
    {
        var command = Assert.IsType<DlmsAccessRequest>(GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, folder, name + "_COMMAND_GBCS.HEX"))).Payload);
        var settings = command.Data.Select(CreditChargeConfiguration.Read).Single(s => s is not null)!.Value;
        Assert.Equal(prepayment, settings.Prepayment);
        var request = name.Replace("_SUCCESS", "_SUCCESS_REQUEST_DUIS.XML", StringComparison.Ordinal);
        if (!prepayment)
        {
            Assert.Null(settings.SuspendDebtDisabled);
            return;
        }
        Assert.Equal(bool.Parse(RequestValue(request, "SuspendDebtDisabled")), settings.SuspendDebtDisabled);
        Assert.Equal(bool.Parse(RequestValue(request, "SuspendDebtEmergency")), settings.SuspendDebtEmergency);
    }

    // 6.14.2 ECS46c and 6.14.3 ECS46d write each schedule entry's script selector as the coding 7.7 and 7.14 read: the entries
    // of every RTDS command, in order, are the schedules its request states (switch and action; controller, level and input).
    [Theory]
    [InlineData("6.14.2_ECS46c", "ECS46c_6.14.2_IMMEDIATE_SOME_OPTIONALS_SUCCESS")]
    [InlineData("6.14.2_ECS46c", "ECS46c_6.14.2_FUTURE_DATED_ALL_OPTIONALS_SUCCESS")]
    [InlineData("6.14.3_ECS46d", "ECS46d_6.14.3_IMMEDIATE_ALCS_SUCCESS")]
    [InlineData("6.14.3_ECS46d", "ECS46d_6.14.3_IMMEDIATE_APC_INPUT_SUCCESS")]
    [InlineData("6.14.3_ECS46d", "ECS46d_6.14.3_IMMEDIATE_APC_OUTPUT_SUCCESS")]
    [InlineData("6.14.3_ECS46d", "ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS")]
    public void A_schedule_command_s_script_selectors_code_the_actions_its_request_states(string folder, string name)
    {
        const string sr = "http://www.dccinterface.co.uk/ServiceUserGateway";
        var command = Assert.IsType<DlmsAccessRequest>(GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, folder, name + "_COMMAND_GBCS.HEX"))).Payload);
        var selectors = command.Data.Single(d => d is { Type: DlmsType.Array, Items: [{ Type: DlmsType.Structure, Items.Count: 10 }, ..] }).Items.Select(e => e[3].Value).ToList();
        var request = RequestDocument(name.Replace("_SUCCESS", "_SUCCESS_REQUEST_DUIS.XML", StringComparison.Ordinal));
        var alcs = folder.EndsWith("ECS46c", StringComparison.Ordinal);
        var written = alcs
            ? request.GetElementsByTagName("ActivateDeactivateSwitch", sr).Cast<XmlElement>()
                .Select(e => $"{e.GetAttribute("index")} {e.GetElementsByTagName("ActivateSwitch", sr).Count > 0}").ToList()
            : request.GetElementsByTagName("AuxiliaryControllerAction", sr).Cast<XmlElement>()
                .Select(e => $"{e.GetAttribute("auxiliaryControllerN")} {e.GetElementsByTagName("InputFromControlledLoad", sr).Count > 0} {e.GetElementsByTagName("CommandedStateLevel", sr)[0]!.InnerText}").ToList();
        var coded = selectors.Select(s => alcs
            ? MmcFields.AlcsAction(s) is var (n, on) ? $"{n} {on}" : $"0x{s:X4}"
            : MmcFields.AuxiliaryControllerAction(s) is var (c, input, level) ? $"{c} {input} {level}" : $"0x{s:X4}").ToList();
        Assert.NotEmpty(written);
        Assert.Equal(written, coded);
    }

    // 7.5, 7.6 and 7.8 send the ALCS action code the 6.13 ECS35g log records (switch in the high octet, action in the low).
    [Theory]
    [InlineData("7.5_ECS47Activate", "ECS47Activate_7.5_SUCCESS", "ActivateALCSHCALCS", "On")]
    [InlineData("7.6_ECS47Deactivate", "ECS47Deactivate_7.6_SUCCESS", "DeactivateALCSHCALCS", "Off")]
    [InlineData("7.8_ECS47Reset", "ECS47Reset_7.8_SUCCESS", "ResetALCSHCALCS", "Revert to calendar control")]
    public void An_auxiliary_load_command_sends_the_action_code_of_the_switch_and_action_its_request_states(string folder, string name, string requestElement, string action)
    {
        var command = Assert.IsType<DlmsAccessRequest>(GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, folder, name + "_COMMAND_GBCS.HEX"))).Payload);
        static IEnumerable<DlmsData> All(DlmsData d) => d.Items.SelectMany(All).Prepend(d);
        var coded = command.Data.SelectMany(All).Where(d => d.Type == DlmsType.LongUnsigned).Select(d => MmcFields.AlcsLogAction(d.Value)).Single(a => a is not null);
        var index = ((XmlElement)RequestDocument(name + "_REQUEST_DUIS.XML").GetElementsByTagName(requestElement, "http://www.dccinterface.co.uk/ServiceUserGateway")[0]!).GetAttribute("index");
        Assert.Equal((int.Parse(index, System.Globalization.CultureInfo.InvariantCulture), action), coded);
    }

    // GBCS's device types (MmcFields.GbcsDeviceTypes, 0 GSME … 6 Type 2) give each RTDS join command a partner its join method
    // allows: the Method A join of a meter names an HCALCS (4), the GPF's Method C join a GSME (0), a Method A non-meter join an ESME (1).
    [Theory]
    [InlineData("8.7.1_CS03A1", "CS03A1_8.7.1_SUCCESS_COMMAND_GBCS.HEX", "HCALCS")]
    [InlineData("8.7.2_CS03CNonCritical", "CS03CNonCritical_8.7.2_SUCCESS_COMMAND_GBCS.HEX", "GSME")]
    [InlineData("8.7.1_CS03A2Critical", "CS03A2Critical_8.7.1_SUCCESS_COMMAND_GBCS.HEX", "ESME")]
    public void A_join_command_names_a_partner_device_type_its_join_method_allows(string folder, string command, string type)
    {
        var join = Assert.IsType<Asn1Payload>(GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, folder, command))).Payload).Root;
        Assert.Equal(type, MmcFields.GbcsDeviceType((int)join.Children[2].AsInteger()));
    }

    // 6.14.2 ECS46c writes each switch's type and identifier (0-0:94.44.0.21–25) as its request's SwitchTypeAndId: ALCS as eight
    // zero octets, HCALCS as its Device ID, the coding 7.7 and 7.15 read (MmcFields.ControllerType).
    [Fact]
    public void The_switch_types_6_14_2_writes_are_those_its_request_states()
    {
        const string sr = "http://www.dccinterface.co.uk/ServiceUserGateway";
        var command = Assert.IsType<DlmsAccessRequest>(GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, "6.14.2_ECS46c", "ECS46c_6.14.2_FUTURE_DATED_ALL_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX"))).Payload);
        var coded = command.Items.Select((item, i) => (item, i)).Where(p => p.item.Descriptor.Obis is "0-0:94.44.0.21" or "0-0:94.44.0.22" or "0-0:94.44.0.23" or "0-0:94.44.0.24" or "0-0:94.44.0.25")
            .Select(p => MmcFields.ControllerType(command.Data[p.i]) is var (type, id) ? $"{type} {id}".Trim() : "?").ToList();
        var written = RequestDocument("ECS46c_6.14.2_FUTURE_DATED_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML").GetElementsByTagName("SwitchTypeAndId", sr).Cast<XmlElement>()
            .Select(e => e.FirstChild is XmlElement t ? $"{t.LocalName} {t.InnerText}".Trim() : "?").ToList();
        Assert.Equal(5, written.Count);
        Assert.Equal(written, coded);
    }

    // 7.14 ECS61d reads the first six entries the immediate 6.14.3 APC input request writes, in full; 7.7 ECS61a reads the six
    // ECS46c writes with their switches, actions, days and dates, but each switch time an hour later (06:00 written, 07:00 read).
    [Theory]
    [InlineData("ECS46d_6.14.3_IMMEDIATE_APC_INPUT_SUCCESS_REQUEST_DUIS.XML", "AuxiliaryControllerSchedule", "ECS61d_7.14_SUCCESS_RESPONSE_GBCS.HEX", "AuxiliaryControllerSchedule", true)]
    [InlineData("ECS46c_6.14.2_FUTURE_DATED_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML", "ALCSHCALCSConnectionSchedule", "ECS61a_7.7_ALL_OPTIONALS_SUCCESS_RESPONSE_GBCS.HEX", "ALCSScheduler", false)]
    public void A_schedule_the_request_writes_is_the_schedule_the_read_returns(string request, string requestElement, string response, string mmcElement, bool withTimes)
    {
        // An element as text: its attributes' values, its children in order, a leaf's number without leading zeros, a time to the second.
        static string Flat(XmlElement e, bool withTimes) => e.LocalName switch
        {
            "SwitchTime" => withTimes ? e.InnerText[..8] : "",
            _ when e.ChildNodes.OfType<XmlElement>().Any() => e.LocalName + string.Concat(e.Attributes.Cast<XmlAttribute>().Where(a => !a.Name.StartsWith("xmlns", StringComparison.Ordinal)).Select(a => a.Value))
                + "(" + string.Join(",", e.ChildNodes.OfType<XmlElement>().Select(c => Flat(c, withTimes))) + ")",
            _ => e.LocalName + string.Concat(e.Attributes.Cast<XmlAttribute>().Where(a => !a.Name.StartsWith("xmlns", StringComparison.Ordinal)).Select(a => a.Value))
                + (int.TryParse(e.InnerText, out var n) ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : e.InnerText),
        };
        static List<string> Schedules(XmlDocument doc, string ns, string element, bool withTimes) =>
            doc.GetElementsByTagName(element, ns).Cast<XmlElement>().Select(e => string.Join("|", e.ChildNodes.OfType<XmlElement>().Select(c => Flat(c, withTimes)))).ToList();
        var written = Schedules(RequestDocument(request), "http://www.dccinterface.co.uk/ServiceUserGateway", requestElement, withTimes);
        var read = Schedules(Mmc(response), MmcRenderer.Namespace, mmcElement, withTimes);
        Assert.Equal(6, read.Count);
        Assert.Equal(written.Take(read.Count), read);
    }

    [Fact]
    public void The_1_5_commands_carry_the_adjustment_the_requests_state()
    {
        var electricity = GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, "1.5_ECS04a", "ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX")));
        var request = Assert.IsType<DlmsAccessRequest>(electricity.Payload);
        Assert.Contains(request.Data, d => d.IsInteger && d.Text == RequestValue("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML", "AdjustMeterBalance"));

        // GCS40a: the Prepayment cluster's credit adjustment (ZCL little-endian int32 after issuer event id, start time and type).
        var gas = GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, "1.5_GCS40a", "GCS40a_1.5_SUCCESS_COMMAND_GBCS.HEX")));
        var frame = Assert.IsType<GbzPayload>(gas.Payload).Components.Single().Frame!;
        Assert.Equal(0x0705, ((GbzPayload)gas.Payload).Components[0].ClusterId);
        Assert.Equal(int.Parse(RequestValue("GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML", "AdjustMeterBalance"), System.Globalization.CultureInfo.InvariantCulture),
            System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(frame.Payload.Span[9..13]));
    }
}
