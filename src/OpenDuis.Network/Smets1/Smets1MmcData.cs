using System.Globalization;
using System.Xml;
using OpenDuis.Network.Devices;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Network.Smets1;

/// <summary>
/// The MMC body (ra:SMETSData, MMC Schema V5.1/V5.4) of a SMETS1 Device's response, with the values the
/// Device holds (<see cref="DeviceState"/>, the state the SMETS2+ devices answer from): one writer per
/// response element that has values; every other element is written with MessageSuccess only, which
/// the schema allows for it. Logs are read from the registers, which are a function of the Device ID
/// and the clock: a daily log holds the last <see cref="DailyEntries"/> midnights (UTC), the billing
/// calendar log the first of each of the last 12 months (the billing calendar 6.2.3 reads: monthly, day 1, 00:00).
/// </summary>
internal static class Smets1MmcData
{
    /// <summary>Entries in a daily log (Read Network Data gas, Prepayment Daily Read Log, Daily Consumption Log).</summary>
    public const int DailyEntries = 31;

    /// <summary>Billing data log entries (MMC: at most 12).</summary>
    private const int BillingEntries = 12;

    /// <summary>The tariff-changing and payment-mode-changing variants that add an entry to the CoM / Tariff Triggered Billing Data Log.</summary>
    private static readonly HashSet<ServiceReferenceVariant> BillingTriggers =
        [new(1, 1, 1), new(1, 1, 2), new(1, 2, 1), new(1, 2, 2), new(1, 6)];

    /// <summary>Request body elements whose MMC response element is not their name with "Rsp".</summary>
    private static readonly Dictionary<string, string> ResponseNames = new(StringComparer.Ordinal)
    {
        ["ReadDeviceConfigurationBillingCalendar"] = "ReadDeviceConfigurationDataBillingCalendarRsp",
    };

    private delegate void Writer(XmlElement rsp, DeviceState state, DateTimeOffset at);

    private static readonly Dictionary<string, Writer> Writers = new(StringComparer.Ordinal)
    {
        ["ReadInstantaneousImportRegistersRsp"] = ImportRegisters,
        ["ReadInstantaneousImportTOUMatricesRsp"] = TouMatrices,
        ["ReadInstantaneousExportRegistersRsp"] = ExportRegisters,
        ["ReadInstantaneousPrepayValuesRsp"] = PrepayValues,
        ["RetrieveCoMOrTariffTriggeredBillingDataLogRsp"] = TariffTriggeredBillingLog,
        ["RetrieveBillingCalendarTriggeredBillingDataLogRsp"] = BillingCalendarLog,
        ["ReadNetworkDataRsp"] = NetworkData,
        ["ReadTariffPrimaryElementRsp"] = Tariff,
        ["ReadPrepaymentDailyReadLogRsp"] = PrepaymentDailyLog,
        ["RetrieveDailyConsumptionLogRsp"] = DailyConsumptionLog,
        ["ReadDeviceConfigurationDataBillingCalendarRsp"] = BillingCalendar,
        ["ReadDeviceConfigurationEventAndAlertBehavioursRsp"] = AlertBehaviours,
        ["UpdateSecurityCredentialsDeviceRsp"] = (rsp, _, _) => Asn1Success(rsp, "UpdateSecurityCredentialsResponseCode"),
        ["JoinServiceCriticalRsp"] = (rsp, _, _) => Asn1Success(rsp, "joinResponseCode"),
        ["JoinServiceNonCriticalRsp"] = (rsp, _, _) => Asn1Success(rsp, "joinResponseCode"),
        ["UnjoinServiceCriticalRsp"] = (rsp, _, _) => Asn1Success(rsp, "unjoinResponseCode"),
        ["UnjoinServiceNonCriticalRsp"] = (rsp, _, _) => Asn1Success(rsp, "unjoinResponseCode"),
        ["ReadSupplyStatusRsp"] = (rsp, state, _) => Add(rsp, "SupplyState", state.Supply.ToString()),
    };

    /// <summary>The MMC response element of <paramref name="definition"/> (an element of the ra:SMETSData choice), or null if the MMC has none.</summary>
    public static string? ResponseElement(ServiceRequestDefinition definition)
    {
        var name = ResponseNames.GetValueOrDefault(definition.BodyElement) ?? definition.BodyElement + "Rsp";
        return Smets1Response.SmetsDataElements.Contains(name) ? name : null;
    }

    /// <summary>Whether the element is written with values of the Device's (every element the schema requires content of is).</summary>
    public static bool HasValues(string element) => Writers.ContainsKey(element);

    /// <summary>The ra:SMETSData element answering <paramref name="variant"/> from <paramref name="state"/> at <paramref name="at"/>; null if the MMC has none for it.</summary>
    public static XmlElement? For(ServiceReferenceVariant variant, DeviceState state, DateTimeOffset at)
    {
        if (!ServiceCatalogue.TryGet(variant, out var definition) || ResponseElement(definition) is not { } name) return null;
        var doc = new XmlDocument();
        var rsp = doc.CreateElement(DuisNamespaces.ResponseAndAlertPrefix, name, DuisNamespaces.ResponseAndAlert);
        rsp.SetAttribute("MessageSuccess", "true");
        doc.AppendChild(rsp);
        if (Writers.TryGetValue(name, out var write)) write(rsp, state, at);
        return rsp;
    }

    private static bool IsGas(DeviceState state) => state.Type is DeviceType.GSME or DeviceType.GPF;

    private static void ImportRegisters(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var r = state.RegistersAt(at);
        if (IsGas(state))
        {
            var register = Add(Add(rsp, "Gas"), "ConsumptionRegister");
            Add(register, "Value", Cubic(r.GasVolumeLitres));
            Add(register, "Unit", "m3");
            return;
        }
        var electricity = Add(rsp, "Electricity");
        Register(Add(electricity, "ActiveImportRegister"), r.ActiveImportWh, "ActiveEnergyUnit", "Wh");
        Register(Add(electricity, "ReactiveImportRegister"), r.ReactiveImportVarh, "ReactiveEnergyUnit", "varh");
    }

    private static void ExportRegisters(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var r = state.RegistersAt(at);
        Register(Add(rsp, "ActiveExportRegister"), r.ActiveExportWh, "ActiveEnergyUnit", "Wh");
        Register(Add(rsp, "ReactiveExportRegister"), r.ReactiveExportVarh, "ReactiveEnergyUnit", "varh");
    }

    /// <summary>4.1.2: the import register split over the tariff's TOU registers (one per TOU price held; the first takes the remainder).</summary>
    private static void TouMatrices(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var r = state.RegistersAt(at);
        if (IsGas(state))
        {
            var matrix = Add(Add(rsp, "Gas"), "TariffTOURegisterMatrix");
            foreach (var (index, litres) in Split(r.GasVolumeLitres, Math.Min(4, Math.Max(1, state.Prices.TouPrices.Count))))
                Indexed(matrix, "TOURegisterMatrixValue", index, Cubic(litres));
            return;
        }
        var collection = Add(Add(rsp, "Electricity"), "TariffTOURegisterCollection");
        foreach (var (index, wh) in Split(r.ActiveImportWh, Math.Min(48, Math.Max(1, state.Prices.TouPrices.Count))))
            Indexed(collection, "TOUPrimaryRegisterValue", index, Text(wh));
    }

    private static IEnumerable<(int Index, ulong Value)> Split(ulong total, int registers)
    {
        var share = total / (ulong)registers;
        for (var i = 1; i <= registers; i++)
            yield return (i, i == 1 ? total - share * (ulong)(registers - 1) : share);
    }

    /// <summary>4.3: every register the MMC's response allows, in its order, from the Device's prepayment registers (as the SMETS2+ meters' ECS19 and GCS14).</summary>
    private static void PrepayValues(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var p = state.Prepayment;
        Add(rsp, "EmergencyCreditBalance", Text(p.EmergencyCreditBalance));
        Add(rsp, "AccumulatedDebtRegister", Text(p.AccumulatedDebt));
        Add(rsp, "PaymentDebtRegister", Text(p.PaymentDebt));
        Add(rsp, "TimeDebtRegister1", Text(p.TimeDebt1));
        Add(rsp, "TimeDebtRegister2", Text(p.TimeDebt2));
        Add(rsp, "MeterBalance", Text(p.MeterBalance));
    }

    /// <summary>4.4.2: an entry for each tariff or payment mode change the Device executed (its own log), the latest 12.</summary>
    private static void TariffTriggeredBillingLog(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var changes = state.Log.Where(e => BillingTriggers.Contains(e.Variant)).TakeLast(BillingEntries).Select(e => e.At).ToList();
        var fuel = Add(rsp, IsGas(state) ? "Gas" : "Electricity");
        foreach (var when in changes)
        {
            var r = state.RegistersAt(when);
            if (IsGas(state))
            {
                var entry = Add(fuel, "LogEntryConsumptionRegister");
                Add(entry, "ConsumptionRegister", Cubic(r.GasVolumeLitres));
                Add(entry, "Timestamp", Time(when));
            }
            else
            {
                var entry = Add(fuel, "LogEntryConsumptionAndTariffRegistersData");
                Add(entry, "ActiveImportRegisterConsumption", Text(r.ActiveImportWh));
                Add(entry, "Timestamp", Time(when));
            }
        }
        foreach (var when in changes) Prepayment(Add(fuel, "LogEntryPrepaymentData"), state, when);
    }

    /// <summary>4.4.3: the registers and balance at each monthly billing date (the 1st, 00:00 UTC) of the last 12 months.</summary>
    private static void BillingCalendarLog(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var firstOfMonth = new DateTimeOffset(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var dates = Enumerable.Range(0, BillingEntries).Select(i => firstOfMonth.AddMonths(-i)).Where(d => d <= at).Reverse().ToList();
        var gas = IsGas(state);
        var fuel = Add(rsp, gas ? "Gas" : "Electricity");
        foreach (var when in dates)
        {
            var r = state.RegistersAt(when);
            var entry = Add(fuel, gas ? "GSMEBillingDataLogEntry" : "ESMEBillingDataLogEntry");
            Add(entry, "Timestamp", Time(when));
            Add(entry, "ActiveImportRegisterValueConsumption", gas ? Cubic(r.GasVolumeLitres) : Text(r.ActiveImportWh));
        }
        foreach (var when in dates) Prepayment(Add(fuel, gas ? "GSMEBillingPrepaymentDataLogEntry" : "ESMEBillingPrepaymentDataLogEntry"), state, when);
    }

    /// <summary>4.10: an ESME's RMS voltage counters (none counted: the emulated supply stays in limits); a GSME's daily read log.</summary>
    private static void NetworkData(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        if (IsGas(state))
        {
            var log = Add(Add(rsp, "Gas"), "NetworkDataLog");
            foreach (var midnight in Midnights(at))
            {
                var entry = Add(log, "LogEntry");
                Add(entry, "Value", Cubic(state.RegistersAt(midnight).GasVolumeLitres));
                Add(entry, "Timestamp", Time(midnight));
            }
            return;
        }
        var phase = Add(Add(rsp, "Electricity"), "SinglePhaseESME");
        Add(Add(phase, "AvgRMSOverVoltageCounter"), "Value", "0");
        Add(Add(phase, "AvgRMSUnderVoltageCounter"), "Value", "0");
    }

    /// <summary>4.11.1: the prices of the tariff the Device holds (the one 1.1.1 / 1.2.1 wrote, else its default).</summary>
    private static void Tariff(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var p = state.Prices;
        var current = p.TouPrices.Count > 0 ? p.TouPrices[0] : 0;
        if (IsGas(state))
        {
            var gas = Add(rsp, "Gas");
            Add(gas, "PrimaryActiveTariffPrice", Text(Math.Clamp(current, 0, uint.MaxValue)));
            Add(gas, "PrimaryActiveTariffPriceScale", Text(p.PriceScale));
            Add(gas, "CurrencyUnitsLabel", Currency(p));
            Add(gas, "StandingCharge", Text(Math.Clamp(p.StandingCharge, 0, uint.MaxValue)));
            var tou = Add(gas, "TOUTariff");
            for (var i = 0; i < Math.Min(4, p.TouPrices.Count); i++)
                Indexed(tou, "TariffTOUPrice", i + 1, Text(Math.Clamp(p.TouPrices[i], 0, uint.MaxValue)));
            return;
        }
        var electricity = Add(rsp, "Electricity");
        Add(electricity, "PrimaryActiveTariffPrice", Text(Math.Clamp(current, 0, uint.MaxValue)));
        Add(electricity, "CurrencyUnitsLabel", Currency(p));
        Add(electricity, "StandingCharge", Text(Math.Clamp(p.StandingCharge, short.MinValue, short.MaxValue)));
        Add(electricity, "StandingChargeScale", Text(p.StandingChargeScale));
        Add(electricity, "PriceScale", Text(p.PriceScale));
        var matrix = Add(electricity, "TariffTOUPriceMatrix");
        for (var i = 0; i < Math.Min(48, p.TouPrices.Count); i++)
            Indexed(matrix, "TariffTOUPrice", i + 1, Text(Math.Clamp(p.TouPrices[i], short.MinValue, short.MaxValue)));
    }

    private static string Currency(TariffPrices p) => p.Currency == "ECB" ? "ECB" : "GBP";

    /// <summary>4.14: the prepayment registers at each of the last midnights.</summary>
    private static void PrepaymentDailyLog(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var fuel = Add(rsp, IsGas(state) ? "Gas" : "Electricity");
        foreach (var midnight in Midnights(at)) Prepayment(Add(fuel, "LogEntry"), state, midnight);
    }

    /// <summary>4.17: each of the last days' consumption (Wh, or m3 for gas), stamped at the midnight that ends it.</summary>
    private static void DailyConsumptionLog(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var gas = IsGas(state);
        var fuel = Add(rsp, gas ? "Gas" : "Electricity");
        foreach (var midnight in Midnights(at))
        {
            var (before, after) = (state.RegistersAt(midnight.AddDays(-1)), state.RegistersAt(midnight));
            var entry = Add(fuel, "LogEntry");
            Add(entry, "Value", gas ? Cubic(after.GasVolumeLitres - before.GasVolumeLitres) : Text(after.ActiveImportWh - before.ActiveImportWh));
            Add(entry, "Timestamp", Time(midnight));
        }
    }

    /// <summary>6.2.3: monthly billing on the 1st at 00:00 UTC (the calendar the billing data log 4.4.3 follows).</summary>
    private static void BillingCalendar(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        var calendar = Add(rsp, "BillingCalendar");
        if (IsGas(state))
        {
            var gas = Add(calendar, "GasBillingCalendar");
            Add(gas, "BillingPeriodStart", Time(new DateTimeOffset(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero)));
            Add(gas, "Periodicity", "Monthly");
            return;
        }
        var electricity = Add(calendar, "ElectricityBillingCalendar");
        Add(electricity, "BillingTime", "00:00:00");
        Add(electricity, "Monthly", "1");
    }

    /// <summary>6.2.10: the Supplier's alert settings the Device raises its alerts by (every SMETS1 alert the emulator raises is enabled).</summary>
    private static void AlertBehaviours(XmlElement rsp, DeviceState state, DateTimeOffset at)
    {
        if (IsGas(state))
        {
            var settings = Add(Add(rsp, "GasSupplierAlertEventSettings"), "x810D");
            foreach (var name in (string[])["WANAlert", "HANAlert", "EventLog", "Alarm"]) Add(settings, name, "Enable");
            return;
        }
        var common = Add(Add(Add(rsp, "ElectricitySupplierAlertEventSettings"), "ElectricitySupplierWANAlertSettings"), "SupplierESMECommon");
        Add(common, "x810D", "Enable");
    }

    /// <summary>An ASN.1 status "success" (MMC StatusASN1, response code 0).</summary>
    private static void Asn1Success(XmlElement rsp, string element)
    {
        var status = Add(rsp, element);
        status.SetAttribute("ResponseCode", "0");
        Add(status, "ASN1Status", "success");
    }

    private static void Prepayment(XmlElement entry, DeviceState state, DateTimeOffset when)
    {
        var p = state.Prepayment;
        Add(entry, "AccumulatedDebtRegister", Text(p.AccumulatedDebt));
        Add(entry, "EmergencyCreditBalance", Text(p.EmergencyCreditBalance));
        Add(entry, "MeterBalance", Text(p.MeterBalance));
        Add(entry, "Timestamp", Time(when));
    }

    /// <summary>The last <see cref="DailyEntries"/> midnights (UTC) up to <paramref name="at"/>, oldest first.</summary>
    private static IEnumerable<DateTimeOffset> Midnights(DateTimeOffset at)
    {
        var today = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero);
        for (var i = DailyEntries - 1; i >= 0; i--) yield return today.AddDays(-i);
    }

    private static void Register(XmlElement register, ulong value, string unitElement, string unit)
    {
        Add(register, "Value", Text(value));
        Add(register, unitElement, unit);
    }

    private static void Indexed(XmlElement parent, string name, int index, string value) =>
        Add(parent, name, value).SetAttribute("index", Text(index));

    private static string Cubic(ulong litres) => (litres / 1000m).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static XmlElement Add(XmlElement parent, string name, string? text = null)
    {
        var e = parent.OwnerDocument.CreateElement(DuisNamespaces.ResponseAndAlertPrefix, name, DuisNamespaces.ResponseAndAlert);
        if (text is not null) e.InnerText = text;
        parent.AppendChild(e);
        return e;
    }
}
