using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Tests.Mmc;

public class MmcRenderTests
{
    [Fact]
    public void Every_RTDS_response_and_alert_renders_to_an_MMC_document_valid_for_dotnet_and_libxml2()
    {
        var files = Rtds.ResponsesAndAlerts();
        var dir = Directory.CreateTempSubdirectory("openduis-mmc-");
        try
        {
            var failures = new List<string>();
            var written = new List<string>();
            foreach (var file in files)
            {
                var bytes = Rtds.Read(file);
                string xml;
                try { xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes); }
                catch (GbcsParseException e) { failures.Add($"{Rtds.Name(file)}: {e.Error}"); continue; }
                if (MmcSchema.DotNetErrors(xml) is { Count: > 0 } errors)
                    failures.Add($"{Rtds.Name(file)} (.NET): {string.Join("; ", errors.Take(3))}");
                var path = Path.Combine(dir.FullName, Path.GetFileNameWithoutExtension(file) + ".xml");
                File.WriteAllText(path, xml);
                written.Add(path);
            }
            foreach (var (path, message) in MmcSchema.XmllintFailures(written))
                failures.Add($"{Path.GetFileName(path)} (libxml2): {message}");
            Assert.True(failures.Count == 0, $"{failures.Count} failures over {files.Count} messages:\n{string.Join("\n", failures)}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>RenderTo writes the document Render returns, for a large read after a small one and back (the kept buffer between them).</summary>
    [Theory]
    [InlineData("4.18_ECS82/ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX", "4.11.1_ECS24/ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("4.11.1_ECS24/ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "4.18_GCS60/GCS60_4.18_SUCCESS_RESPONSE_GBCS.HEX")]
    public void RenderTo_writes_the_document_Render_returns(string first, string second)
    {
        foreach (var file in (string[])[first, second, first])
        {
            var bytes = Rtds.Read(Path.Combine(Rtds.Folder, file));
            var expected = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes);
            var output = new StringWriter();
            MmcRenderer.RenderTo(output, GbcsParser.Parse(bytes), bytes);
            Assert.Equal(expected, output.ToString());
        }
    }

    /// <summary>
    /// 4.13 GCS21b: the Prepayment cluster's configuration attributes. (RTDS's 2.1 GCS05 writes other values, e.g. an
    /// emergency credit limit of 10000000 where this read returns 1000000: no RTDS read follows that command.)
    /// </summary>
    [Fact]
    public void The_4_13_gas_prepayment_configuration_is_read_from_the_Prepayment_cluster() =>
        AssertRenders("4.13_GCS21b", "GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX",
            "<ra:DebtRecoveryPerPayment>1000</ra:DebtRecoveryPerPayment><ra:DebtRecoveryRateCap>1000000</ra:DebtRecoveryRateCap>"
            + "<ra:DisablementThreshold>-5000000</ra:DisablementThreshold><ra:EmergencyCreditLimit>1000000</ra:EmergencyCreditLimit>"
            + "<ra:EmergencyCreditThreshold>200000</ra:EmergencyCreditThreshold><ra:LowCreditThreshold>500000</ra:LowCreditThreshold>"
            + "<ra:CreditMaxCreditThreshold>5000000</ra:CreditMaxCreditThreshold><ra:MaxCreditMaxMeterBalance>10000000</ra:MaxCreditMaxMeterBalance>"
            + "<ra:Gas><ra:NonDisablementCalendar>",
            "</ra:NonDisablementCalendar><ra:DebtRecovery1><ra:DebtRecoveryRate>500000</ra:DebtRecoveryRate><ra:DebtRecoveryRatePeriod>DAILY</ra:DebtRecoveryRatePeriod></ra:DebtRecovery1>"
            + "<ra:DebtRecovery2><ra:DebtRecoveryRate>200000</ra:DebtRecoveryRate>");

    /// <summary>
    /// 4.12.1 ECS18b (GBCS's order: the two last-reset times, 1-0:1.6.0.255 the active import maximum demand, 1-0:1.6.1.255 the
    /// configurable-time one, the configurable time period's schedule): the two registers with their capture and last-reset
    /// times, and the period (start 12:00, end 09:00 in RTDS's read).
    /// </summary>
    [Fact]
    public void The_4_12_1_maximum_demand_import_registers_are_read_with_their_capture_and_reset_times_and_the_period() =>
        AssertRenders("4.12.1_ECS18b", "ECS18b_4.12.1_SUCCESS_RESPONSE_GBCS.HEX",
            "<ra:MaxDemandConfigurableTimeActivePowerImport><ra:Value>12122</ra:Value><ra:CaptureTime>2014-12-31T11:30:00Z</ra:CaptureTime>"
            + "<ra:LastResetDateTime>2014-12-31T00:00:00Z</ra:LastResetDateTime></ra:MaxDemandConfigurableTimeActivePowerImport>"
            + "<ra:MaxDemandActiveEnergyImport><ra:Value>4775</ra:Value><ra:CaptureTime>2014-12-31T09:30:00Z</ra:CaptureTime>"
            + "<ra:LastResetDateTime>2014-12-31T00:00:00Z</ra:LastResetDateTime></ra:MaxDemandActiveEnergyImport>"
            + "<ra:MaxDemandConfigurableTimePeriod><ra:StartTime>12:00:00Z</ra:StartTime><ra:EndTime>09:00:00Z</ra:EndTime></ra:MaxDemandConfigurableTimePeriod>");

    /// <summary>6.2.9: the payment mode of an ESME (Account payment_mode) and a GSME (Payment Control Configuration bit 1).</summary>
    [Theory]
    [InlineData("6.2.9_ECS26j", "ECS26j_6.2.9_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("6.2.9_GCS21j", "GCS21j_6.2.9_SUCCESS_RESPONSE_GBCS.HEX")]
    public void The_6_2_9_payment_mode_is_read(string folder, string response)
    {
        var bytes = Rtds.Read(Path.Combine(Rtds.Folder, folder, response));
        var xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes);
        Assert.Contains("<ra:PaymentMode>Prepayment</ra:PaymentMode>", xml, StringComparison.Ordinal);
        Assert.Empty(MmcSchema.DotNetErrors(xml));
    }

    /// <summary>
    /// 6.2.9 GCS21j's SuspendDebt flags: Payment Control Configuration 0x0C97 has Debt Configuration (bit 10) and Emergency Debt
    /// Configuration (bit 11) set, read as RTDS's GCS03 commands write those bits.
    /// </summary>
    [Fact]
    public void The_6_2_9_gas_suspend_debt_flags_are_read_from_the_payment_control_configuration() =>
        AssertRenders("6.2.9_GCS21j", "GCS21j_6.2.9_SUCCESS_RESPONSE_GBCS.HEX",
            "<ra:PaymentMode>Prepayment</ra:PaymentMode><ra:SuspendDebtEmergency>false</ra:SuspendDebtEmergency><ra:SuspendDebtDisabled>true</ra:SuspendDebtDisabled>");

    /// <summary>4.13 ECS26a: GBCS's 18 items read into the MMC's order, the non-disablement calendar and both debt recovery rates.</summary>
    [Theory]
    [InlineData("<ra:DebtRecoveryPerPayment>5000</ra:DebtRecoveryPerPayment><ra:DebtRecoveryRateCap>10000</ra:DebtRecoveryRateCap><ra:DisablementThreshold>-500000</ra:DisablementThreshold>"
        + "<ra:EmergencyCreditLimit>2500000</ra:EmergencyCreditLimit><ra:EmergencyCreditThreshold>100000</ra:EmergencyCreditThreshold><ra:LowCreditThreshold>500000</ra:LowCreditThreshold>"
        + "<ra:CreditMaxCreditThreshold>5000000</ra:CreditMaxCreditThreshold><ra:MaxCreditMaxMeterBalance>10000000</ra:MaxCreditMaxMeterBalance>"
        + "<ra:SuspendDebtDisabled>true</ra:SuspendDebtDisabled><ra:SuspendDebtEmergency>true</ra:SuspendDebtEmergency><ra:Electricity><ra:PaymentMode>Prepayment</ra:PaymentMode><ra:NonDisablementCalendar>")]
    // Special day 1 is 25 December of any year; the first schedule entry starts non-disablement at 00:00 on Saturdays, Sundays and special days 1–4.
    [InlineData("<ra:SpecialDay index=\"1\"><ra:Year><ra:NonSpecifiedYear /></ra:Year><ra:Month><ra:SpecifiedMonth>12</ra:SpecifiedMonth></ra:Month><ra:DayOfMonth><ra:SpecifiedDayOfMonth>25</ra:SpecifiedDayOfMonth></ra:DayOfMonth>")]
    [InlineData("<ra:ElectricityNonDisablementSchedule><ra:NonDisablementScript>START</ra:NonDisablementScript><ra:SpecialDaysApplicability><ra:SpecialDayApplicability><ra:SpecialDayID>1</ra:SpecialDayID></ra:SpecialDayApplicability>")]
    [InlineData("<ra:DayOfWeekApplicability><ra:DayOfWeekID>Saturday</ra:DayOfWeekID></ra:DayOfWeekApplicability><ra:DayOfWeekApplicability><ra:DayOfWeekID>Sunday</ra:DayOfWeekID></ra:DayOfWeekApplicability></ra:DaysOfWeekApplicability>"
        + "<ra:ScheduleDatesAndTime><ra:SwitchTime>00:00:00Z</ra:SwitchTime><ra:StartDate>2014-10-26</ra:StartDate><ra:EndDate>2015-03-29</ra:EndDate></ra:ScheduleDatesAndTime>")]
    [InlineData("<ra:NonDisablementScript>STOP</ra:NonDisablementScript><ra:SpecialDaysApplicability />")]
    [InlineData("<ra:DebtRecovery1><ra:DebtRecoveryRate>5000</ra:DebtRecoveryRate><ra:DebtRecoveryRatePriceScale>-5</ra:DebtRecoveryRatePriceScale><ra:DebtRecoveryRatePeriod>DAILY</ra:DebtRecoveryRatePeriod></ra:DebtRecovery1>"
        + "<ra:DebtRecovery2><ra:DebtRecoveryRate>6000</ra:DebtRecoveryRate><ra:DebtRecoveryRatePriceScale>-5</ra:DebtRecoveryRatePriceScale><ra:DebtRecoveryRatePeriod>DAILY</ra:DebtRecoveryRatePeriod></ra:DebtRecovery2></ra:Electricity>")]
    public void The_4_13_electricity_prepayment_configuration_is_read_in_GBCS_order(string expected) =>
        AssertRenders("4.13_ECS26a", "ECS26a_4.13_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", expected);

    /// <summary>4.13 GCS21b: the Calendar cluster's day profiles, week profiles, seasons and special days of the non-disablement calendar.</summary>
    [Theory]
    [InlineData("<ra:DayProfiles><ra:GasNonDisablementDayProfile><ra:TimeStartAction index=\"1\"><ra:StartTime>00:00:00Z</ra:StartTime><ra:NonDisablementAction>START</ra:NonDisablementAction></ra:TimeStartAction>"
        + "<ra:TimeStartAction index=\"2\"><ra:StartTime>08:00:00Z</ra:StartTime><ra:NonDisablementAction>STOP</ra:NonDisablementAction></ra:TimeStartAction>")]
    [InlineData("<ra:WeekProfile><ra:WeekName>2</ra:WeekName><ra:ReferencedDayName index=\"1\">2</ra:ReferencedDayName>")]
    [InlineData("<ra:Season><ra:SeasonStartDate><ra:GasYearWithWildcards><ra:NonSpecifiedYear /></ra:GasYearWithWildcards><ra:GasMonthWithWildcards><ra:SpecifiedMonth>3</ra:SpecifiedMonth></ra:GasMonthWithWildcards>"
        + "<ra:GasDayOfMonthWithWildcards><ra:SpecifiedDayOfMonth>29</ra:SpecifiedDayOfMonth></ra:GasDayOfMonthWithWildcards><ra:GasDayOfWeekWithWildcards><ra:NonSpecifiedDayOfWeek /></ra:GasDayOfWeekWithWildcards></ra:SeasonStartDate><ra:ReferencedWeekName>2</ra:ReferencedWeekName></ra:Season>")]
    [InlineData("<ra:SpecialDays><ra:SpecialDay><ra:Date><ra:GasYearWithWildcards><ra:SpecifiedYear>2015</ra:SpecifiedYear></ra:GasYearWithWildcards><ra:GasMonthWithWildcards><ra:SpecifiedMonth>4</ra:SpecifiedMonth></ra:GasMonthWithWildcards>"
        + "<ra:GasDayOfMonthWithWildcards><ra:SpecifiedDayOfMonth>5</ra:SpecifiedDayOfMonth></ra:GasDayOfMonthWithWildcards><ra:GasDayOfWeekWithWildcards><ra:NonSpecifiedDayOfWeek /></ra:GasDayOfWeekWithWildcards></ra:Date><ra:ReferencedDayName>4</ra:ReferencedDayName></ra:SpecialDay>")]
    public void The_4_13_gas_non_disablement_calendar_is_read_from_the_Calendar_cluster(string expected) =>
        AssertRenders("4.13_GCS21b", "GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX", expected);

    /// <summary>6.2.8 GCS21a (gas conversion and uncontrolled flow settings) and GBZ 6.2.4 GCS21e (the Basic cluster's identity).</summary>
    [Theory]
    [InlineData("6.2.8_GCS21a", "GCS21a_6.2.8_SUCCESS_RESPONSE_GBCS.HEX", "<ra:CalorificValue>36</ra:CalorificValue><ra:ConversionFactor>567</ra:ConversionFactor><ra:UncontrolledGasFlowRate>200</ra:UncontrolledGasFlowRate><ra:FlowStabilisationPeriod>10</ra:FlowStabilisationPeriod><ra:FlowMeasurementPeriod>3600</ra:FlowMeasurementPeriod>")]
    [InlineData("6.2.4_GCS21e", "GCS21e_6.2.4_SUCCESS_RESPONSE_GBCS.HEX", "<ra:DeviceIdentifier>00-DB-12-34-56-78-90-A1</ra:DeviceIdentifier><ra:ModelType>GFI</ra:ModelType><ra:ManufacturerIdentifier>Critical Software</ra:ManufacturerIdentifier>")]
    public void A_gas_configuration_read_is_rendered_with_its_values(string folder, string response, string expected) => AssertRenders(folder, response, expected);

    /// <summary>
    /// Values no RTDS request states (so RtdsValueAgreementTests cannot pair them), read as the RTDS response carries them: 6.30's
    /// channel pages and hundredths, 6.31's operating channel, 6.32's scan trigger, 8.9's device logs, 6.2.3's ZCL billing period,
    /// 7.11's boost log, 7.7's HCALCS, 4.11.2's secondary tariff, 4.11.1's switching table and 6.24's credentials.
    /// </summary>
    [Theory]
    [InlineData("6.30_DBCH03", "DBCH03_6.30_SUCCESS_RESPONSE_GBCS.HEX", "<ra:LowerBandSubGHzChannels27To34><ra:Channel27 /><ra:Channel28 /></ra:LowerBandSubGHzChannels27To34>")]
    [InlineData("6.30_DBCH03", "DBCH03_6.30_SUCCESS_RESPONSE_GBCS.HEX", "<ra:NormalLimitedDutyCycleThreshold>1.25</ra:NormalLimitedDutyCycleThreshold><ra:LimitedCriticalDutyCycleThreshold>2.00</ra:LimitedCriticalDutyCycleThreshold><ra:MaximumSubGHzChannelChangesPerWeek>4</ra:MaximumSubGHzChannelChangesPerWeek>")]
    [InlineData("6.31_DBCH01", "DBCH01_6.31_SUCCESS_RESPONSE_GBCS.HEX", "<ra:OperatingSubGHzChannel><ra:OperatingLowerBandSubGHzChannel><ra:Channel0 /></ra:OperatingLowerBandSubGHzChannel></ra:OperatingSubGHzChannel>")]
    [InlineData("6.32_DBCH02", "DBCH02_6.32_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Timestamp>2014-12-20T00:00:00Z</ra:Timestamp><ra:EventCode>8F26</ra:EventCode><ra:EventDescription>Sub GHz Channel Changed</ra:EventDescription>")]
    [InlineData("6.32_DBCH02", "DBCH02_6.32_SUCCESS_RESPONSE_GBCS.HEX", "<ra:OperatingUpperBandSubGHzChannel><ra:Channel3 /></ra:OperatingUpperBandSubGHzChannel></ra:OperatingSubGHzChannel><ra:ScanTrigger>GSMEMissingForTheLastDay</ra:ScanTrigger>")]
    [InlineData("8.9_CCS06", "CCS06_8.9_SUCCESS_RESPONSE_GBCS.HEX", "<ra:CHFDeviceLogEntry><ra:DeviceID>00-DB-12-34-56-78-90-A0</ra:DeviceID><ra:LastCommunicationsDateTime>2014-12-31T23:50:00Z</ra:LastCommunicationsDateTime></ra:CHFDeviceLogEntry>")]
    [InlineData("8.9_CCS07", "CCS07_8.9_SUCCESS_RESPONSE_GBCS.HEX", "<ra:CHFHistoricConnectedDeviceLogEntry><ra:DeviceID>00-DB-12-34-56-78-90-A3</ra:DeviceID><ra:DeviceSecurityDetails>00112233445566778899A1A2A3A4A5A6</ra:DeviceSecurityDetails>")]
    [InlineData("6.2.3_GCS21d", "GCS21d_6.2.3_SUCCESS_RESPONSE_GBCS.HEX", "<ra:GasBillingCalendar><ra:BillingPeriodStart>2014-01-01T00:00:00Z</ra:BillingPeriodStart><ra:Periodicity>Weekly</ra:Periodicity></ra:GasBillingCalendar>")]
    [InlineData("7.11_ECS61c", "ECS61c_7.11_SUCCESS_RESPONSE_GBCS.HEX", "<ra:EventLogEntry><ra:BoostEnd>2014-12-26T01:21:00Z</ra:BoostEnd><ra:BoostStart>2014-12-26T00:00:00Z</ra:BoostStart></ra:EventLogEntry>")]
    [InlineData("7.7_ECS61a", "ECS61a_7.7_ALL_OPTIONALS_SUCCESS_RESPONSE_GBCS.HEX", "<ra:AuxiliaryLoadControlSwitch Index=\"2\"><ra:Description>HCALCS_2_Description</ra:Description><ra:TypeAndIdentifier><ra:HCALCS>00-DB-12-34-56-78-90-97</ra:HCALCS></ra:TypeAndIdentifier><ra:State>true</ra:State>")]
    // 7.7's schedule: switch 1 activated at 07:00 every day of every year; 7.14's: controller 1's input from its controlled load
    // at level 50 at 09:30 on weekdays and special days 1 and 3 from 21 June to 21 December 2015.
    [InlineData("7.7_ECS61a", "ECS61a_7.7_ALL_OPTIONALS_SUCCESS_RESPONSE_GBCS.HEX", "<ra:ALCSScheduler><ra:ActivateDeactivateSwitch index=\"1\"><ra:ActivateSwitch /></ra:ActivateDeactivateSwitch><ra:DaysOfWeekApplicability><ra:DayOfWeekApplicability><ra:DayOfWeekID>Monday</ra:DayOfWeekID>")]
    [InlineData("7.7_ECS61a", "ECS61a_7.7_ALL_OPTIONALS_SUCCESS_RESPONSE_GBCS.HEX", "<ra:ALCSScheduleDatesAndTime><ra:SwitchTime>07:00:00Z</ra:SwitchTime><ra:StartDate><ra:Year><ra:NonSpecifiedYear /></ra:Year>")]
    [InlineData("7.14_ECS61d", "ECS61d_7.14_SUCCESS_RESPONSE_GBCS.HEX", "<ra:AuxiliaryControllerSchedule><ra:AuxiliaryControllerAction auxiliaryControllerN=\"1\"><ra:CommandedStateLevel>50</ra:CommandedStateLevel><ra:InputFromControlledLoad /></ra:AuxiliaryControllerAction>"
        + "<ra:SpecialDaysApplicability identifier=\"1\" /><ra:SpecialDaysApplicability identifier=\"3\" /><ra:DaysOfWeekApplicability>")]
    [InlineData("7.14_ECS61d", "ECS61d_7.14_SUCCESS_RESPONSE_GBCS.HEX", "<ra:AuxiliaryControllerSchedulePeriodAndTime><ra:SwitchTime>09:30:00Z</ra:SwitchTime><ra:StartDate><ra:Year><ra:SpecifiedYear>2015</ra:SpecifiedYear></ra:Year><ra:Month><ra:SpecifiedMonth>6</ra:SpecifiedMonth></ra:Month>")]
    // 6.13 ECS35g: the auxiliary controller log as ALCSEvent: a command to the HCALCS (switch 2) and its reply, and an ALCS's.
    [InlineData("6.13_ECS35g", "ECS35g_6.13_SUCCESS_RESPONSE_GBCS.HEX", "<ra:ALCSEvent><ra:ALCSEventLogEntry><ra:Timestamp>2014-12-15T00:00:00Z</ra:Timestamp><ra:SwitchNumber>2</ra:SwitchNumber><ra:SwitchAction>On</ra:SwitchAction>"
        + "<ra:Outcome>Outcome not known</ra:Outcome><ra:HANCommandID>1418601600</ra:HANCommandID></ra:ALCSEventLogEntry><ra:ALCSEventLogEntry><ra:Timestamp>2014-12-15T00:00:05Z</ra:Timestamp><ra:SwitchNumber>2</ra:SwitchNumber>"
        + "<ra:SwitchAction>Entry relates to a Message from an HC ALCS</ra:SwitchAction><ra:Outcome>Success</ra:Outcome><ra:HANCommandID>1418601600</ra:HANCommandID></ra:ALCSEventLogEntry>")]
    [InlineData("6.13_ECS35g", "ECS35g_6.13_SUCCESS_RESPONSE_GBCS.HEX", "<ra:ALCSEventLogEntry><ra:Timestamp>2014-12-17T02:58:34Z</ra:Timestamp><ra:SwitchNumber>3</ra:SwitchNumber><ra:SwitchAction>Off</ra:SwitchAction><ra:Outcome>Success</ra:Outcome></ra:ALCSEventLogEntry>")]
    // 8.9 CS07 and 8.12.2 GCS59: device log entries with GBCS's device types (MmcFields.GbcsDeviceTypes); CS03B's error its join code.
    [InlineData("8.9_CS07", "CS07_8.9_SUCCESS_RESPONSE_GBCS.HEX", "<ra:DeviceLogEntries><ra:LogEntry><ra:DeviceID>01-02-03-04-05-06-07-08</ra:DeviceID><ra:DeviceType>GPF</ra:DeviceType></ra:LogEntry>"
        + "<ra:LogEntry><ra:DeviceID>00-DB-12-34-56-78-90-99</ra:DeviceID><ra:DeviceType>GPF</ra:DeviceType></ra:LogEntry><ra:LogEntry><ra:DeviceID>00-DB-12-34-56-78-90-97</ra:DeviceID><ra:DeviceType>PPMID</ra:DeviceType></ra:LogEntry></ra:DeviceLogEntries>")]
    [InlineData("8.12.2_GCS59", "GCS59_8.12.2_SUCCESS_RESPONSE_GBCS.HEX", "<ra:RestoreDeviceLogOutcome><ra:DeviceLogEntry><ra:DeviceID>00-11-22-33-44-55-66-77</ra:DeviceID><ra:DeviceType>PPMID</ra:DeviceType></ra:DeviceLogEntry>"
        + "<ra:joinResponseCode ResponseCode=\"0\"><ra:ASN1Status>success</ra:ASN1Status></ra:joinResponseCode></ra:RestoreDeviceLogOutcome><ra:RestoreDeviceLogOutcome><ra:DeviceLogEntry><ra:DeviceID>88-99-AA-BB-CC-DD-EE-FF</ra:DeviceID><ra:DeviceType>Type2</ra:DeviceType>")]
    [InlineData("8.7.2_CS03B", "CS03B_8.7.2_ERROR_RESPONSE_GBCS.HEX", "<ra:joinResponseCode ResponseCode=\"2\"><ra:ASN1Status>invalidJoinMethodAndRole</ra:ASN1Status></ra:joinResponseCode>")]
    // 7.15 ECS61e: its five controllers take the MMC's four types (MmcFields.ControllerType).
    [InlineData("7.15_ECS61e", "ECS61e_7.15_SUCCESS_RESPONSE_GBCS.HEX", "<ra:AuxiliaryControllerOperationalData auxiliaryControllerN=\"1\"><ra:TypeAndIdentifier><ra:AuxiliaryControllerType>HCALCS</ra:AuxiliaryControllerType><ra:HCALCSID>12-34-56-78-90-AB-CD-EF</ra:HCALCSID></ra:TypeAndIdentifier>")]
    [InlineData("7.15_ECS61e", "ECS61e_7.15_SUCCESS_RESPONSE_GBCS.HEX", "<ra:AuxiliaryControllerOperationalData auxiliaryControllerN=\"3\"><ra:TypeAndIdentifier><ra:AuxiliaryControllerType>APC</ra:AuxiliaryControllerType></ra:TypeAndIdentifier>")]
    [InlineData("7.15_ECS61e", "ECS61e_7.15_SUCCESS_RESPONSE_GBCS.HEX", "<ra:AuxiliaryControllerOperationalData auxiliaryControllerN=\"4\"><ra:TypeAndIdentifier><ra:AuxiliaryControllerType>None</ra:AuxiliaryControllerType></ra:TypeAndIdentifier>"
        + "<ra:AuxiliaryControllerStateAndAssociatedInformation><ra:StateAndAssociatedInformation>{}</ra:StateAndAssociatedInformation>")]
    [InlineData("4.11.2_ECS24b", "ECS24b_4.11.2_SUCCESS_RESPONSE_GBCS.HEX", "<ra:SecondaryActiveTariffPrice>10000</ra:SecondaryActiveTariffPrice><ra:PriceScale>-5</ra:PriceScale><ra:TariffTOUPriceMatrix><ra:TariffTOUPrice index=\"1\">10000</ra:TariffTOUPrice>")]
    [InlineData("4.11.2_ECS24b", "ECS24b_4.11.2_SUCCESS_RESPONSE_GBCS.HEX", "<ra:ProfileSchedule><ra:StartTime>12:00:00.00Z</ra:StartTime><ra:TOUTariffAction>2</ra:TOUTariffAction></ra:ProfileSchedule>")]
    [InlineData("4.11.1_ECS24", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "<ra:DayProfile><ra:Day>1</ra:Day><ra:ProfileSchedule><ra:StartTime>07:00:00.00Z</ra:StartTime><ra:BlockTariffAction>1</ra:BlockTariffAction></ra:ProfileSchedule>")]
    [InlineData("4.11.1_ECS24", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "<ra:StandingCharge>20000</ra:StandingCharge><ra:StandingChargeScale>-5</ra:StandingChargeScale>")]
    [InlineData("6.24.2_CS02e", "CS02e_6.24.2_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Certificate>MIIBoTCCAUagAwIBAgIQMDmCNnRNnaDlf410rgQf")]
    // GBCS's ASN.1 codes by their MMC names (Asn1StatusCodes).
    [InlineData("6.24.2_CS02e", "CS02e_6.24.2_ERROR_RESPONSE_GBCS.HEX", "<ra:RetrieveDeviceSecurityCredentialsStatusCode ResponseCode=\"3\"><ra:ASN1Status>certificateRetrievalFailure</ra:ASN1Status>")]
    [InlineData("6.24.1_CS02aMAC", "CS02aMAC_6.24.1_ERROR_RESPONSE_GBCS.HEX", "<ra:RemotePartyDetails><ra:RemotePartyRole>NetworkOperator</ra:RemotePartyRole><ra:StatusCode ResponseCode=\"25\"><ra:ASN1Status>trustAnchorNotFound</ra:ASN1Status></ra:StatusCode></ra:RemotePartyDetails>")]
    [InlineData("11.3_CS06", "CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:ActivateImageResponseCode ResponseCode=\"0\"><ra:ASN1Status>success</ra:ASN1Status></ra:ActivateImageResponseCode><ra:FirmwareVersion>0123ABCE</ra:FirmwareVersion>")]
    [InlineData("11.3_CS06", "CS06_11.3_IMMEDIATE_ERROR_RESPONSE_GBCS.HEX", "<ra:ActivateImageResponseCode ResponseCode=\"1\"><ra:ASN1Status>noImageHeld</ra:ASN1Status></ra:ActivateImageResponseCode><ra:FirmwareVersion>0123ABCF</ra:FirmwareVersion>")]
    public void A_read_is_rendered_with_the_values_it_carries(string folder, string response, string expected) => AssertRenders(folder, response, expected);

    /// <summary>The RTDS response renders schema-valid, holding each of <paramref name="expected"/> once whitespace between elements is removed.</summary>
    /// <summary>
    /// 6.2.10 ECS25r1: the Supplier's four alarm filters (WAN, HAN, audible alarm, logging), alert 0x81nn the bit n counted from
    /// the last of each 256-bit string. RTDS's WAN filter enables 810D, 810E and 8119 but not 8145; its alarm filter is empty.
    /// </summary>
    [Fact]
    public void The_6_2_10_supplier_alert_filters_render_each_alert_enabled_or_disabled() =>
        AssertRenders("6.2.10_ECS25r1", "ECS25r1_6.2.10_SUCCESS_RESPONSE_GBCS.HEX",
            "<ra:ElectricitySupplierAlertEventSettings><ra:ElectricitySupplierWANAlertSettings><ra:SupplierESMECommon><ra:x810D>Enable</ra:x810D>"
            + "<ra:x810E>Enable</ra:x810E><ra:x8119>Enable</ra:x8119><ra:x8145>Disable</ra:x8145>",
            "<ra:ElectricitySupplierHANAlertSettings><ra:SupplierESMECommon><ra:x810D>Enable</ra:x810D><ra:x810E>Disable</ra:x810E><ra:x8119>Enable</ra:x8119>",
            "<ra:ElectricitySupplierAlarmSettings><ra:SupplierESMECommon><ra:x810D>Disable</ra:x810D>",
            "<ra:ElectricitySupplierLoggingSettings><ra:SupplierESMECommon><ra:x810D>Disable</ra:x810D><ra:x810E>Disable</ra:x810E><ra:x8119>Disable</ra:x8119><ra:x8145>Enable</ra:x8145><ra:x8154>Enable</ra:x8154>",
            "<ra:x81C6>Enable</ra:x81C6></ra:SupplierESMECommon></ra:ElectricitySupplierLoggingSettings></ra:ElectricitySupplierAlertEventSettings>");

    /// <summary>6.2.10 ECS25r2: the Network Operator's WAN and logging filters, alert 0x80nn the bit n from the last.</summary>
    [Fact]
    public void The_6_2_10_network_operator_alert_filters_render_under_the_network_operator_settings() =>
        AssertRenders("6.2.10_ECS25r2", "ECS25r2_6.2.10_SUCCESS_RESPONSE_GBCS.HEX",
            "<ra:ElectricityNetworkOperatorAlertEventSettings><ra:ElectricityNetworkOperatorWANAlertSettings><ra:NetworkOperatorESMECommon>"
            + "<ra:x8014>Enable</ra:x8014><ra:x8015>Enable</ra:x8015></ra:NetworkOperatorESMECommon></ra:ElectricityNetworkOperatorWANAlertSettings>"
            + "<ra:ElectricityNetworkOperatorLoggingSettings><ra:NetworkOperatorESMECommon>");

    /// <summary>
    /// 6.2.10 ECS25r2 with one phase-specific alert enabled in its logging filter only (RTDS's enables none): the meter's kind is
    /// then known, and its group is written in the WAN setting too, every alert Disable there.
    /// </summary>
    [Theory]
    [InlineData(0x02, "NetworkOperatorESMESinglePhase", "NetworkOperatorESMEPolyPhase")]
    [InlineData(0x03, "NetworkOperatorESMEPolyPhase", "NetworkOperatorESMESinglePhase")]
    public void The_6_2_10_phase_alerts_of_the_meter_s_kind_render_in_every_setting(int n, string group, string otherGroup)
    {
        var bytes = Rtds.Read(Path.Combine(Rtds.Folder, "6.2.10_ECS25r2", "ECS25r2_6.2.10_SUCCESS_RESPONSE_GBCS.HEX"));
        var logging = Assert.IsType<DlmsAccessResponse>(GbcsParser.Parse(bytes).Payload).Data[1];
        bytes[logging.Offset + 4 + 31 - n / 8] |= (byte)(1 << (n % 8)); // the tag, 0x82 and the bit count, then 32 octets, bit n from the last
        var xml = System.Text.RegularExpressions.Regex.Replace(MmcRenderer.Render(GbcsParser.Parse(bytes), bytes), @">\s+<", "><");
        var alert = $"x80{n:X2}";
        Assert.Contains($"</ra:NetworkOperatorESMECommon><ra:{group}><ra:{alert}>Disable</ra:{alert}>", xml, StringComparison.Ordinal);
        Assert.Contains($"<ra:ElectricityNetworkOperatorLoggingSettings><ra:NetworkOperatorESMECommon>", xml, StringComparison.Ordinal);
        Assert.Contains($"<ra:{alert}>Enable</ra:{alert}>", xml, StringComparison.Ordinal);
        Assert.DoesNotContain(otherGroup, xml, StringComparison.Ordinal);
        Assert.Empty(MmcSchema.DotNetErrors(xml));
    }

    /// <summary>6.2.10 GCS20r: ZSE Event Configuration bitmaps (810D 0x18: WAN and HAN; 8145 0x03: logged as a general event).</summary>
    [Fact]
    public void The_6_2_10_gas_event_configurations_render_per_alert() =>
        AssertRenders("6.2.10_GCS20r", "GCS20r_6.2.10_SUCCESS_RESPONSE_GBCS.HEX",
            "<ra:GasSupplierAlertEventSettings><ra:x810D><ra:WANAlert>Enable</ra:WANAlert><ra:HANAlert>Enable</ra:HANAlert>"
            + "<ra:EventLog>Disable</ra:EventLog><ra:Alarm>Disable</ra:Alarm></ra:x810D>",
            "<ra:x8145><ra:WANAlert>Disable</ra:WANAlert><ra:HANAlert>Disable</ra:HANAlert><ra:EventLog>Enable</ra:EventLog><ra:Alarm>Disable</ra:Alarm></ra:x8145>",
            "<ra:x8184><ra:WANAlert>Enable</ra:WANAlert><ra:HANAlert>Disable</ra:HANAlert><ra:EventLog>Enable</ra:EventLog>");

    private static void AssertRenders(string folder, string response, params string[] expected)
    {
        var bytes = Rtds.Read(Path.Combine(Rtds.Folder, folder, response));
        var xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes);
        var squeezed = System.Text.RegularExpressions.Regex.Replace(xml, @">\s+<", "><");
        foreach (var part in expected) Assert.Contains(part, squeezed, StringComparison.Ordinal);
        Assert.Empty(MmcSchema.DotNetErrors(xml));
    }
}

/// <summary>
/// Where one Message Code serves two Service Reference Variants (6.15.1 and 6.21, 8.7.1 and 8.7.2, 6.11 and 8.1.1 …),
/// the variant of the request answered chooses the MMC element; every RTDS response rendered with the variant of the
/// folder RTDS files it under names that variant and validates; a variant the code does not serve is refused.
/// </summary>
public class MmcVariantTests
{
    [Fact]
    public void Every_RTDS_response_rendered_for_the_variant_it_is_filed_under_names_that_variant_and_validates()
    {
        var failures = new List<string>();
        var chosen = 0;
        foreach (var file in Rtds.ResponsesAndAlerts().Where(f => Rtds.Name(f).EndsWith("_RESPONSE_GBCS.HEX", StringComparison.Ordinal)))
        {
            var variant = Path.GetFileName(Path.GetDirectoryName(file)!).Split('_')[0];
            var bytes = Rtds.Read(file);
            var message = GbcsParser.Parse(bytes);
            if (variant == "NA" || message.UseCase?.Variant is null) continue;
            if (message.UseCase.Variant != variant) chosen++;
            string xml;
            try { xml = MmcRenderer.Render(message, bytes, serviceReferenceVariant: variant); }
            catch (GbcsParseException e) { failures.Add($"{Rtds.Name(file)} as {variant}: {e.Error}"); continue; }
            if (!xml.Contains($"<ra:ServiceReferenceVariant>{variant}</ra:ServiceReferenceVariant>", StringComparison.Ordinal))
                failures.Add($"{Rtds.Name(file)}: not rendered as {variant}");
            if (MmcSchema.DotNetErrors(xml) is { Count: > 0 } errors) failures.Add($"{Rtds.Name(file)} as {variant}: {string.Join("; ", errors.Take(3))}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(chosen >= 10, $"only {chosen} responses are filed under a variant other than their Message Code's first");
    }

    [Fact]
    public void A_6_21_handover_response_renders_as_RequestHandoverOfDCCControlledDeviceRsp_with_its_outcome()
    {
        var bytes = Rtds.Read(Path.Combine(Rtds.Folder, "6.21_CS02bSupplierBySupplierHandover", "CS02bSupplierBySupplierHandover_6.21_SUCCESS_RESPONSE_GBCS.HEX"));
        var xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, serviceReferenceVariant: "6.21");
        Assert.Contains("<ra:RequestHandoverOfDCCControlledDeviceRsp>", xml, StringComparison.Ordinal);
        Assert.Contains("<ra:CredentialsReplacementMode>SupplierBySupplier</ra:CredentialsReplacementMode>", xml, StringComparison.Ordinal);
        Assert.Empty(MmcSchema.DotNetErrors(xml));
        Assert.Contains("<ra:UpdateSecurityCredentialsKRPRsp>", MmcRenderer.Render(GbcsParser.Parse(bytes), bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void A_variant_the_Message_Code_does_not_serve_is_refused_at_the_Message_Code()
    {
        var bytes = Rtds.Read(Path.Combine(Rtds.Folder, "6.21_CS02bSupplierBySupplierHandover", "CS02bSupplierBySupplierHandover_6.21_SUCCESS_RESPONSE_GBCS.HEX"));
        var message = GbcsParser.Parse(bytes);
        var e = Assert.Throws<GbcsParseException>(() => MmcRenderer.Render(message, bytes, serviceReferenceVariant: "4.1.1"));
        Assert.Equal(message.Fields.Single(f => f.Name == "Message Code").Offset, e.Error.Offset);
        Assert.Contains("serves SR 6.15.1, 6.21", e.Error.Expected, StringComparison.Ordinal);
    }
}
