using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// The field decoders of the MMC response elements: for each SMETSData element, how its children are
/// read from the response payload (the GBCS Use Case's response layout, MMC Schema 5.4 element order).
/// <paramref name="values"/> false (the payload is encrypted, or an item failed) writes only what the
/// schema requires. An element without an entry is rendered with MessageSuccess and the debug
/// statuses only, which the schema allows for it (every child of those elements is optional).
/// </summary>
internal static partial class MmcFields
{
    private delegate void FieldWriter(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts);

    private static readonly Dictionary<string, FieldWriter> Writers = new(StringComparer.Ordinal)
    {
        // Elements whose content the schema requires: a fuel choice (Electricity for an ESME's DLMS, Gas for GBZ) or an ASN.1 status.
        // 4.1.1 ECS17b: the registers are encrypted; decrypted (with keys), a structure of active import (double-long-unsigned,
        // scaler-unit Wh) and reactive import (scaler-unit varh), as the RTDS response and OpenDUIS's emulated ESME lay them out.
        ["ReadInstantaneousImportRegistersRsp"] = ImportRegisters,
        // 4.1.2 (ECS17d, GCS13c) and 4.1.4 (GCS13b): the TOU and block registers, encrypted; read once decrypted.
        ["ReadInstantaneousImportTOUMatricesRsp"] = TouRegisters,
        ["ReadInstantaneousImportBlockCountersRsp"] = BlockCounters,
        // 4.1.3 ECS17e: the TOU with blocks register and counter matrices, encrypted; read once decrypted.
        ["ReadInstantaneousImportTOUWithBlocksMatricesRsp"] = TouBlockRegisters,
        // 4.3 GCS14 and ECS19 (with keys).
        ["ReadInstantaneousPrepayValuesRsp"] = PrepayValues,
        // 4.6.1 ECS21a and GCS16a, encrypted.
        ["RetrieveImportDailyReadLogRsp"] = ImportDailyReadLog,
        // 4.13 GCS21b (with the Calendar cluster's non-disablement calendar) and ECS26a.
        ["ReadPrepaymentConfigurationRsp"] = PrepaymentConfiguration,
        // 4.8.1 ECS22b, encrypted.
        ["ReadActiveImportProfileDataRsp"] = ActiveImportProfile,
        ["ReadNetworkDataRsp"] = NetworkData,
        ["ReadPrepaymentDailyReadLogRsp"] = PrepaymentDailyReadLog,
        // 4.11.1 ECS24 and GCS21f, 4.11.2 ECS24b (MmcFields.Tariff.cs).
        ["ReadTariffPrimaryElementRsp"] = Tariff,
        ["ReadTariffSecondaryElementRsp"] = SecondaryTariff,
        // 4.4.3 and 4.4.2: GCS15c and GCS15b, ECS20c and ECS20b, decrypted.
        ["RetrieveBillingCalendarTriggeredBillingDataLogRsp"] = (w, m, values, plaintexts) => BillingDataLog(w, m, values, plaintexts, calendar: true),
        ["RetrieveCoMOrTariffTriggeredBillingDataLogRsp"] = (w, m, values, plaintexts) => BillingDataLog(w, m, values, plaintexts, calendar: false),
        // 4.17 ECS66 and GCS61 (encrypted).
        ["RetrieveDailyConsumptionLogRsp"] = DailyConsumption,
        // 7.7, 7.11, 7.14, 7.15 auxiliary controllers (MmcFields.Auxiliary.cs).
        ["ReadALCSDataRsp"] = AlcsData,
        ["ReadBoostButtonDetailsRsp"] = BoostButton,
        ["ReadAuxiliaryControllerConfigurationDataRsp"] = AuxiliaryControllerConfiguration,
        ["ReadAuxiliaryControllerOperationalDataRsp"] = AuxiliaryControllerOperational,
        // 6.24.1 CS02a/CS02f and 6.24.2 CS02e (MmcFields.Credentials.cs).
        ["RetrieveDeviceSecurityCredentialsKRPRsp"] = SecurityCredentials,
        ["RetrieveDeviceSecurityCredentialsDeviceRsp"] = DeviceCredentials,
        // 6.30–6.32 DBCH03/01/02 and 8.9 device logs (MmcFields.Chf.cs).
        ["ReadCHFSubGHzConfigurationRsp"] = ChfSubGhzConfiguration,
        ["ReadCHFSubGHzChannelRsp"] = ChfSubGhzChannel,
        ["ReadCHFSubGHzChannelLogRsp"] = ChfSubGhzChannelLog,
        ["ReadDeviceLogRsp"] = DeviceLog,
        // 6.2.3 ECS26d/ECS26l and GCS21d/GCS21k (MmcFields.Configuration.cs).
        ["ReadDeviceConfigurationDataBillingCalendarRsp"] = BillingCalendar,
        // 6.2.10 ECS25r1, ECS25r2 and GCS20r (MmcFields.Configuration.cs).
        ["ReadDeviceConfigurationEventAndAlertBehavioursRsp"] = AlertBehaviours,
        // GBCS CS03 (join) and CS02d responses: an ASN.1 INTEGER status.
        ["JoinServiceCriticalRsp"] = (w, m, _, _) => Asn1Status(w, "joinResponseCode", m, Asn1CodeList.Join),
        ["JoinServiceNonCriticalRsp"] = (w, m, _, _) => Asn1Status(w, "joinResponseCode", m, Asn1CodeList.Join),
        ["UnjoinServiceCriticalRsp"] = (w, m, _, _) => Asn1Status(w, "unjoinResponseCode", m, Asn1CodeList.Unjoin),
        ["UnjoinServiceNonCriticalRsp"] = (w, m, _, _) => Asn1Status(w, "unjoinResponseCode", m, Asn1CodeList.Unjoin),
        // 11.3 CS06 executed at once: SEQUENCE {response code, firmware version}; future dated, a NULL (command accepted).
        ["ActivateFirmwareRsp"] = (w, m, values, _) =>
        {
            if (!values || m.Payload is not Asn1Payload { Root: { TagNumber: Asn1Node.Sequence, Children: [{ TagNumber: Asn1Node.Integer } code, { TagNumber: Asn1Node.OctetString } version] } }) return;
            Asn1StatusCodes.Write(w, "ActivateImageResponseCode", (long)code.AsInteger(), Asn1CodeList.ActivateFirmware);
            // The MMC FirmwareVersion is at most 8 characters: the version's octets as hex, when they fit.
            if (version.Value.Length is >= 1 and <= 4) Element(w, "FirmwareVersion", Convert.ToHexString(version.Value.Span));
        },
        // 8.12.2 GCS59 (MmcFields.Chf.cs).
        ["RestoreGPFDeviceLogRsp"] = RestoreGpfDeviceLog,
        // 6.15.1, 6.21, 6.23, 8.5 (CS02b/CS02g): the response SEQUENCE holds the execution outcome, unless the command was future dated.
        ["UpdateSecurityCredentialsKRPRsp"] = ExecutionOutcome,
        ["RequestHandoverOfDCCControlledDeviceRsp"] = ExecutionOutcome,
        ["UpdateSecurityCredentialsCoSRsp"] = ExecutionOutcome,
        ["ServiceOptOutRsp"] = ExecutionOutcome,
        ["UpdateSecurityCredentialsDeviceRsp"] = (w, m, _, _) => Asn1Status(w, "UpdateSecurityCredentialsResponseCode", m, Asn1CodeList.UpdateDeviceCertificate),

        // Values. 4.18 ECS82: the meter balance register (double-long); GCS60: Metering 0x0A00 (bill to date) is not it, Prepayment 0x0001 (Credit Remaining) is.
        ["ReadMeterBalanceRsp"] = MeterBalance,
        // 6.2.7 ECS40: import MPAN (twin: import then secondary import, 13 characters each) and export MPAN; GCS46: Metering 0x0307 MPRN.
        ["ReadDeviceConfigurationMPxNRsp"] = MPxN,
        // 7.4 ECS45: disconnect control state (0 disconnected, 1 connected, 2 ready for reconnection); GCS33: Metering 0x0014 Supply Status (0 off, 1 armed, 2 on), 0x0205 Remaining Battery Life in Days.
        ["ReadSupplyStatusRsp"] = SupplyStatus,
        // 11.2 ECS52 (octet-string), GCS38 (Metering 0x0206 Current Meter ID), CS08 (ASN.1 OCTET STRING): the firmware version, as hex.
        ["ReadFirmwareVersionRsp"] = FirmwareVersion,
        // 6.13 ECS35a–g: a compact array of {time, event code, other information}; CS10a/b: the Events cluster's Publish Event Log.
        ["ReadEventOrSecurityLogRsp"] = EventLog,
        // Logs read as a profile's buffer: an array of structures {time (double-long-unsigned, UTC seconds since 2000), values…}.
        // 4.8.2 ECS22c {time, reactive import}; 4.8.3 ECS22a {time, active export, reactive export}; 4.6.2 ECS21c {time, active
        // export register}; 4.4.4 ECS20a {time, debt repaid}.
        ["ReadReactiveImportProfileDataRsp"] = (w, m, values, _) => { if (values) Rows(w, Item(m, 0), 4464, "LogEntry", "Timestamp", "ReactiveEnergyImportedValue"); },
        ["ReadExportProfileDataRsp"] = (w, m, values, _) => { if (values) Rows(w, Item(m, 0), 4464, "LogEntry", "Timestamp", "ActiveEnergyExportedValue", "ReactiveEnergyExportedValue"); },
        ["RetrieveExportDailyReadLogRsp"] = (w, m, values, _) => { if (values) Rows(w, Item(m, 0), 31, "LogEntry", "TimeStamp", "ActiveExportRegisterValue"); },
        ["RetrieveBillingDataLogDebtPaymentsRsp"] = DebtPayments,
        // 4.2 ECS17a: active export (scaler-unit Wh) and reactive export (varh) registers.
        ["ReadInstantaneousExportRegistersRsp"] = ExportRegisters,
        // 4.15 ECS27: supply state on load limit (boolean: true disables, as ECS28a writes "Disable"), load limit counter (with its
        // scaler-unit), power threshold, period and restoration period (double-long-unsigned).
        ["ReadLoadLimitDataRsp"] = LoadLimit,
        // 4.16 ECS17c: a structure {active power import, its scaler-unit (W is 27), primary element's active power import}.
        ["ReadActivePowerImportRsp"] = (w, m, values, _) =>
        {
            if (!values || Item(m, 0) is not { Type: DlmsType.Structure, Items: [{ IsInteger: true } power, { Items: [{ Type: DlmsType.Integer, Value: 0 }, { Type: DlmsType.Enum } unit] }, ..] } read) return;
            w.WriteStartElement("ActivePowerImport", Namespace);
            Element(w, "Value", power.Value);
            if (unit.Value == 27) Element(w, "Unit", "W");
            w.WriteEndElement();
            if (read.Items.Count >= 3 && read[2].IsInteger) Element(w, "PrimaryActivePowerImportValue", read[2].Value);
        },
        // 4.12.2 ECS18a: the maximum demand export extended register's value (item 2, scaler 0) and capture time (item 4).
        ["ReadMaximumDemandExportRegistersRsp"] = (w, m, values, _) =>
        {
            if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 4 } || Item(m, 1) is not { IsInteger: true } demand
                || Item(m, 2) is not { Items: [{ Type: DlmsType.Integer, Value: 0 }, _] }) return;
            w.WriteStartElement("MaxDemandActiveEnergyExport", Namespace);
            Element(w, "Value", demand.Value);
            if (Item(m, 3)?.AsDateTime() is { } captured) Element(w, "CaptureTime", DateTimeText(captured));
            w.WriteEndElement();
        },
        // 4.12.1 ECS18b: the maximum demand registers with their last-reset times, and the configurable time period.
        ["ReadMaximumDemandImportRegistersRsp"] = MaximumDemandImport,
        // 6.2.9 ECS26j: the Account's (class 111) account_mode_and_status {payment_mode (1 credit, 2 prepayment), status};
        // GCS21j: the Prepayment cluster's Payment Control Configuration (0x0000, bitmap16): GasPaymentControl.
        ["ReadDeviceConfigurationPaymentModeRsp"] = (w, m, values, _) =>
        {
            if (!values) return;
            if (Attribute(m, 0x0705, 0x0000) is { } control)
            {
                GasPaymentControl(w, control);
                return;
            }
            // ECS26j reads account_mode_and_status only: the SuspendDebt flags are not in its response.
            var prepayment = Item(m, 0) is { Type: DlmsType.Structure, Items: [{ Type: DlmsType.Enum } mode, ..] } ? mode.Value switch { 1 => false, 2 => true, _ => (bool?)null } : null;
            if (prepayment is { } p) Element(w, "PaymentMode", p ? "Prepayment" : "Credit");
        },
        // 6.2.8 GCS21a: Price cluster Calorific Value 0x0302 and Conversion Factor 0x0304, each ÷ 10^(its Trailing Digit's high
        // nibble: 0x0306, 0x0305); Metering Uncontrolled Flow Threshold 0x0B10 × Multiplier 0x0B12 ÷ Divisor 0x0B13, Flow
        // Stabilisation Period 0x0B14 and Flow Measurement Period 0x0B15 (ZCL SE).
        ["ReadDeviceConfigurationGasRsp"] = (w, m, values, _) =>
        {
            if (!values || m.Payload is not GbzPayload) return;
            foreach (var (value, digits, name) in (ReadOnlySpan<(ushort, ushort, string)>)[(0x0302, 0x0306, "CalorificValue"), (0x0304, 0x0305, "ConversionFactor")])
                if (Attribute(m, 0x0700, value) is { } v)
                {
                    var scale = Attribute(m, 0x0700, digits) is { } d ? (int)(d.Unsigned >> 4) : 0;
                    Element(w, name, (v.Unsigned / (decimal)Math.Pow(10, scale)).ToString(CultureInfo.InvariantCulture));
                }
            if (Attribute(m, 0x0702, 0x0B10) is { } flow)
            {
                var multiplier = Attribute(m, 0x0702, 0x0B12) is { Unsigned: > 0 } mu ? mu.Unsigned : 1UL;
                var divisor = Attribute(m, 0x0702, 0x0B13) is { Unsigned: > 0 } di ? di.Unsigned : 1UL;
                Element(w, "UncontrolledGasFlowRate", ((decimal)flow.Unsigned * multiplier / divisor).ToString(CultureInfo.InvariantCulture));
            }
            if (Attribute(m, 0x0702, 0x0B14) is { } stabilisation) Element(w, "FlowStabilisationPeriod", (long)stabilisation.Unsigned);
            if (Attribute(m, 0x0702, 0x0B15) is { } measurement) Element(w, "FlowMeasurementPeriod", (long)measurement.Unsigned);
        },
        // 6.2.5 ECS26f: the two instantaneous power thresholds (low/medium, medium/high) that 6.12 ECS34 writes.
        ["ReadDeviceConfigurationInstantaneousPowerThresholdsRsp"] = (w, m, values, _) =>
        {
            if (values && Item(m, 0) is { Type: DlmsType.Array, Items: [{ IsInteger: true } low, { IsInteger: true } high] })
            {
                Element(w, "LowMediumPowerThreshold", low.Value);
                Element(w, "MediumHighPowerThreshold", high.Value);
            }
        },
        // 6.2.1 ECS26b (single-phase ESME) and ECS26k (poly-phase): {threshold, measurement period} of the RMS extreme
        // over-voltage, extreme under-voltage, sag and swell, then the average RMS over- and under-voltage thresholds.
        ["ReadDeviceConfigurationVoltageRsp"] = Voltage,
        // 6.2.2 ECS26c: randomised offset, offset number and offset limit (long-unsigned), in the MMC's order.
        ["ReadDeviceConfigurationRandomisationRsp"] = (w, m, values, _) =>
        {
            if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 3 }) return;
            string[] names = ["RandomisedOffset", "RandomisedOffsetNumber", "RandomisedOffsetLimit"];
            for (var i = 0; i < 3; i++)
                if (Item(m, i) is { IsInteger: true } v) Element(w, names[i], v.Value);
        },
        // 6.2.4 ECS26e: device identifier (8 octets), meter variant, model type and manufacturer identifier (text).
        ["ReadDeviceConfigurationIdentityExcMPxNRsp"] = Identity,
        // 6.11 ECS70: items 4 and 5 are the clock's time and status; GCS28: ASN.1 {GeneralizedTime, status}.
        ["SynchroniseClockRsp"] = SynchroniseClock,
    };

    public static void Write(MmcWriter w, string element, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (Writers.TryGetValue(element, out var writer)) writer(w, m, values, plaintexts);
    }

    /// <summary>The message with its decrypted GBZ components read as plain ones (so each decoder, and the statuses, serve both); null when there are none or they do not read.</summary>
    internal static ParsedGbcsMessage? Opened(ParsedGbcsMessage m, IReadOnlyList<byte[]> plaintexts) =>
        plaintexts.Count > 0 && m.Payload is GbzPayload g && Opened(g, plaintexts) is { } opened ? m with { Payload = opened } : null;

    /// <summary>
    /// A GBZ payload with each ciphered component's frame given its decrypted ZCL payload (the plaintexts in component order;
    /// a Read Attributes Response's records read as a plain frame's are), or null when they do not pair up or read.
    /// </summary>
    private static GbzPayload? Opened(GbzPayload g, IReadOnlyList<byte[]> plaintexts)
    {
        var components = new GbzComponent[g.Components.Count];
        var next = 0;
        try
        {
            for (var i = 0; i < components.Length; i++)
            {
                var c = g.Components[i];
                if (c is not { Encrypted: true, Frame: { } frame })
                {
                    components[i] = c;
                    continue;
                }
                if (next >= plaintexts.Count) return null;
                var plain = plaintexts[next++];
                IReadOnlyList<ZclAttribute>? attributes = null;
                if (!frame.ClusterSpecific && frame.CommandId == 0x01)
                {
                    var r = new OctetReader(plain);
                    var list = new List<ZclAttribute>();
                    while (!r.AtEnd) list.Add(ZclAttribute.ReadRecord(ref r));
                    attributes = list;
                }
                components[i] = c with { Control = (byte)(c.Control & ~0x02), Frame = frame with { Payload = plain, Attributes = attributes }, Ciphered = null };
            }
        }
        catch (GbcsParseException)
        {
            return null;
        }
        return next == plaintexts.Count ? g with { Components = components } : null;
    }

    /// <summary>
    /// The attribute values of a decrypted DLMS protected payload: its A-XDR data is a structure of the protected
    /// attributes' values, or of one structure holding them (ECS17b/d, ECS19); empty when it does not read.
    /// </summary>
    private static IReadOnlyList<DlmsData> Decrypted(IReadOnlyList<byte[]> plaintexts)
    {
        if (plaintexts.Count == 0 || Plain(plaintexts[0]) is not { Type: DlmsType.Structure } data) return [];
        return data is { Items: [{ Type: DlmsType.Structure } inner] } ? inner.Items : data.Items;
    }

    /// <summary>
    /// A Metering cluster (0x0702) summation in the unit of measure: × Multiplier (0x0301) ÷ Divisor (0x0302), both required
    /// (GBCS GCS13a–c read them beside the registers); null when either is missing or zero.
    /// </summary>
    private static decimal? Summation(ParsedGbcsMessage m, ushort id)
    {
        if (Attribute(m, 0x0702, id) is not { } value || Attribute(m, 0x0702, 0x0301) is not { Unsigned: > 0 } multiplier
            || Attribute(m, 0x0702, 0x0302) is not { Unsigned: > 0 } divisor) return null;
        return (decimal)value.Unsigned * multiplier.Unsigned / divisor.Unsigned;
    }

    private static void DecimalWithIndex(MmcWriter w, string name, int index, decimal value)
    {
        w.WriteStartElement(name, Namespace);
        w.WriteAttribute("index", index);
        w.WriteString(value.ToString(CultureInfo.InvariantCulture));
        w.WriteEndElement();
    }

    private static void IntegersWithIndex(MmcWriter w, string name, DlmsData? array, int max)
    {
        if (array is not { Type: DlmsType.Array }) return;
        for (var i = 0; i < array.Items.Count && i < max; i++)
        {
            if (!array[i].IsInteger) continue;
            w.WriteStartElement(name, Namespace);
            w.WriteAttribute("index", i + 1);
            w.WriteValue(array[i].Value);
            w.WriteEndElement();
        }
    }

    /// <summary>
    /// 4.1.2 GCS13c: Metering Current Tier 1–4 Summation Delivered (0x0100, 0x0102, 0x0104, 0x0106) in m³; ECS17d: the
    /// decrypted TOU registers (an array of 48 double-long-unsigned), and on a twin element the secondary's (up to 4).
    /// </summary>
    private static void TouRegisters(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload.Kind == GbcsPayloadKind.Gbz)
        {
            w.WriteStartElement("Gas", Namespace);
            if (values && Summation(m, 0x0100) is not null)
            {
                w.WriteStartElement("TariffTOURegisterMatrix", Namespace);
                for (var tier = 0; tier < 4; tier++)
                    if (Summation(m, (ushort)(0x0100 + 2 * tier)) is { } v) DecimalWithIndex(w, "TOURegisterMatrixValue", tier + 1, v);
                w.WriteEndElement();
            }
            w.WriteEndElement();
            return;
        }
        w.WriteStartElement("Electricity", Namespace);
        var registers = Decrypted(plaintexts);
        if (registers is [{ Type: DlmsType.Array } primary, ..])
        {
            w.WriteStartElement("TariffTOURegisterCollection", Namespace);
            IntegersWithIndex(w, "TOUPrimaryRegisterValue", primary, 48);
            if (registers is [_, { Type: DlmsType.Array } secondary, ..]) IntegersWithIndex(w, "TOUSecondRegisterValue", secondary, 4);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>
    /// 4.1.3 ECS17e, decrypted: GBCS's Block_TOU_register_collection (0-0:94.44.34.2), a structure of one array of 64
    /// double-long-unsigned: per block 1–4, its eight TOU register matrix values and then its eight block counters (GBCS v4 Use
    /// Cases, ECS17e: entries 1–8 the registers of block 1, 9–16 its counters, 17–24 the registers of block 2 …).
    /// </summary>
    private static void TouBlockRegisters(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (Decrypted(plaintexts) is not [{ Type: DlmsType.Array, Items.Count: 64 } matrix]) return;
        w.WriteStartElement("TariffBlockTOURegisterCollection", Namespace);
        for (var block = 0; block < 4; block++)
        {
            w.WriteStartElement("TariffBlock", Namespace);
            w.WriteAttribute("index", block + 1);
            foreach (var (offset, name) in (ReadOnlySpan<(int, string)>)[(0, "RegisterMatrixTOUValue"), (8, "CounterMatrixTOUValue")])
                for (var tou = 0; tou < 8; tou++)
                {
                    if (matrix[16 * block + offset + tou] is not { IsInteger: true } v) continue;
                    w.WriteStartElement(name, Namespace);
                    w.WriteAttribute("index", tou + 1);
                    w.WriteValue(v.Value);
                    w.WriteEndElement();
                }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>
    /// 4.12.1 ECS18b (GBCS v4 Use Cases): the last-reset date-times of the configurable-time and of the active import maximum
    /// demand (0-0:94.44.5.0, 0-0:94.44.5.1), the active import maximum demand 1-0:1.6.0.255 {value, scaler-unit (scaler 0),
    /// capture time} (items 2–4), the configurable-time one 1-0:1.6.1.255 (items 5–7), and the configurable time period's
    /// schedule 0-0:12.0.0.255: two entries whose script selector is 1 for its start and 2 for its end (switch time
    /// octet-string(4): hour, minute, second, hundredths).
    /// </summary>
    private static void MaximumDemandImport(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 9 }) return;
        foreach (var (first, reset, name) in (ReadOnlySpan<(int, int, string)>)[(5, 0, "MaxDemandConfigurableTimeActivePowerImport"), (2, 1, "MaxDemandActiveEnergyImport")])
        {
            if (Item(m, first) is not { IsInteger: true } demand || Item(m, first + 1) is not { Items: [{ Type: DlmsType.Integer, Value: 0 }, _] }) continue;
            w.WriteStartElement(name, Namespace);
            Element(w, "Value", demand.Value);
            if (Item(m, first + 2)?.AsDateTime() is { } captured) Element(w, "CaptureTime", DateTimeText(captured));
            if (Item(m, reset)?.AsDateTime() is { } lastReset) Element(w, "LastResetDateTime", DateTimeText(lastReset));
            w.WriteEndElement();
        }
        string? start = null, end = null;
        if (Item(m, 8) is { Type: DlmsType.Array } schedule)
            foreach (var e in schedule.Items)
                if (e is { Type: DlmsType.Structure, Items.Count: >= 5 } && e[3] is { Type: DlmsType.LongUnsigned } selector && SwitchTime(e[4]) is { } time)
                {
                    if (selector.Value == 1) start = time;
                    else if (selector.Value == 2) end = time;
                }
        if (start is null || end is null) return;
        w.WriteStartElement("MaxDemandConfigurableTimePeriod", Namespace);
        Element(w, "StartTime", start);
        Element(w, "EndTime", end);
        w.WriteEndElement();
    }

    /// <summary>A COSEM time (octet-string(4): hour, minute, second, hundredths; 0xFF not specified) as a UTC xs:time, or null.</summary>
    private static string? SwitchTime(DlmsData d)
    {
        if (d is not { Type: DlmsType.OctetString, Octets.Length: 4 }) return null;
        var t = d.Octets.Span;
        static int Part(byte b) => b == 0xFF ? 0 : b;
        if (Part(t[0]) > 23 || Part(t[1]) > 59 || Part(t[2]) > 59) return null;
        return string.Create(CultureInfo.InvariantCulture, $"{Part(t[0]):D2}:{Part(t[1]):D2}:{Part(t[2]):D2}Z");
    }

    /// <summary>4.1.4 GCS13b: Metering Current No Tier Block 1–4 Summation Delivered (0x0700–0x0703) in m³.</summary>
    private static void BlockCounters(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || Summation(m, 0x0700) is null) return;
        w.WriteStartElement("ImportBlockCounters", Namespace);
        for (var block = 0; block < 4; block++)
            if (Summation(m, (ushort)(0x0700 + block)) is { } v) DecimalWithIndex(w, "TariffBlockCounterValue", block + 1, v);
        w.WriteEndElement();
    }

    /// <summary>
    /// 4.3 GCS14: Prepayment cluster (0x0705) Emergency Credit Remaining 0x0002, Accumulated Debt 0x0005, Debt Amount #3
    /// 0x0231 (the payment-based debt), #1 0x0211 and #2 0x0221 (the time-based debts) and Credit Remaining 0x0001 (the meter
    /// balance), in the MMC's order.
    /// </summary>
    private static void PrepayValues(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        // ECS19, decrypted: GBCS's prepayment_balance_collection (0-0:94.44.34.30) {meter balance, emergency credit balance,
        // accumulated debt, time-based debt 1, time-based debt 2, payment-based debt} (double-long), in the MMC's order.
        if (Decrypted(plaintexts) is [{ IsInteger: true } balance, _, _, _, _, _] registers)
        {
            foreach (var (i, name) in (ReadOnlySpan<(int, string)>)[(1, "EmergencyCreditBalance"), (2, "AccumulatedDebtRegister"), (5, "PaymentDebtRegister"),
                         (3, "TimeDebtRegister1"), (4, "TimeDebtRegister2")])
                if (registers[i].IsInteger) Element(w, name, registers[i].Value);
            Element(w, "MeterBalance", balance.Value);
            return;
        }
        if (!values || m.Payload is not GbzPayload) return;
        foreach (var (id, name) in (ReadOnlySpan<(ushort, string)>)[(0x0002, "EmergencyCreditBalance"), (0x0005, "AccumulatedDebtRegister"),
                     (0x0231, "PaymentDebtRegister"), (0x0211, "TimeDebtRegister1"), (0x0221, "TimeDebtRegister2"), (0x0001, "MeterBalance")])
            if (Attribute(m, 0x0705, id) is { } a)
                Element(w, name, a.DataType is >= 0x28 and <= 0x2F ? a.Signed : (long)a.Unsigned);
    }

    /// <summary>
    /// 4.13 GCS21b: Prepayment cluster (0x0705) attributes (ZCL SE): Debt Recovery Top Up Percentage #3 0x0239 (the
    /// payment-based debt's recovery per payment), Overall Debt Cap 0x0006, Cut Off Value 0x0040 (the disablement threshold),
    /// Emergency Credit Limit/Allowance 0x0010, Emergency Credit Threshold 0x0011, Low Credit Warning Level 0x0031, Max Credit
    /// Per Top Up 0x0022, Max Credit Limit 0x0021 (the maximum meter balance); the time-based debts' recovery: Debt Recovery
    /// Amount #1/#2 0x0217/0x0227 and Frequency 0x0216/0x0226 (0 hourly, 1 daily); the non-disablement calendar
    /// (<see cref="GasNonDisablementCalendar"/>). ECS26a: <see cref="ElectricityPrepaymentConfiguration"/>.
    /// </summary>
    private static void PrepaymentConfiguration(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values) return;
        if (m.Payload is DlmsAccessResponse)
        {
            ElectricityPrepaymentConfiguration(w, m);
            return;
        }
        if (m.Payload is not GbzPayload g) return;
        foreach (var (id, name) in (ReadOnlySpan<(ushort, string)>)[(0x0239, "DebtRecoveryPerPayment"), (0x0006, "DebtRecoveryRateCap"),
                     (0x0040, "DisablementThreshold"), (0x0010, "EmergencyCreditLimit"), (0x0011, "EmergencyCreditThreshold"),
                     (0x0031, "LowCreditThreshold"), (0x0022, "CreditMaxCreditThreshold"), (0x0021, "MaxCreditMaxMeterBalance")])
            if (Attribute(m, 0x0705, id) is { } a) Element(w, name, a.DataType is >= 0x28 and <= 0x2F ? a.Signed : (long)a.Unsigned);
        if (Attribute(m, 0x0705, 0x0217) is null && Attribute(m, 0x0705, 0x0227) is null && !g.Components.Any(c => c.ClusterId == 0x0707)) return;
        w.WriteStartElement("Gas", Namespace);
        GasNonDisablementCalendar(w, g);
        for (var debt = 1; debt <= 2; debt++)
        {
            var amount = Attribute(m, 0x0705, (ushort)(0x0207 + 0x10 * debt));
            var frequency = Attribute(m, 0x0705, (ushort)(0x0206 + 0x10 * debt));
            if (amount is null && frequency is null) continue;
            w.WriteStartElement($"DebtRecovery{debt}", Namespace);
            if (amount is not null) Element(w, "DebtRecoveryRate", (long)amount.Unsigned);
            if (frequency?.Unsigned switch { 0 => "HOURLY", 1 => "DAILY", _ => null } is { } period) Element(w, "DebtRecoveryRatePeriod", period);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>4.17 ECS66: the decrypted daily consumption log, an array of {time, consumption} (double-long-unsigned each).</summary>
    private static void DailyConsumption(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload.Kind == GbcsPayloadKind.Gbz)
        {
            if (values) GasDailyConsumption(w, m);
            else FuelOnly(w, m, values, plaintexts);
            return;
        }
        w.WriteStartElement("Electricity", Namespace);
        if (Decrypted(plaintexts) is [{ Type: DlmsType.Array } log, ..]) Rows(w, log, 731, "LogEntry", "Timestamp", "Value");
        w.WriteEndElement();
    }

    /// <summary>
    /// 4.6.1 ECS21a, decrypted: an array of {time, active import, [secondary active import,] TOU registers [48], [secondary TOU
    /// registers [4],] TOU registers of block 1–4 [8 each]} (double-long-unsigned; the bracketed ones on a twin element).
    /// GCS16a: one Metering Publish Snapshot per day (<see cref="MeteringSnapshot"/>).
    /// </summary>
    private static void ImportDailyReadLog(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload is GbzPayload g)
        {
            if (!values) return;
            foreach (var s in Snapshots(g, 0x0702, 31))
            {
                w.WriteStartElement("LogEntry", Namespace);
                TimeElement(w, "Timestamp", s.Time);
                w.WriteStartElement("Gas", Namespace);
                MeteringSnapshot(w, s.Payload, "GasActiveImportRegisterConsumption", "TariffBlockCounterMatrix", "TariffTOURegisterMatrix", blocksFirst: true);
                w.WriteEndElement();
                w.WriteEndElement();
            }
            return;
        }
        if (Decrypted(plaintexts) is not [{ Type: DlmsType.Array } log, ..]) return;
        var entries = 0;
        foreach (var row in log.Items)
        {
            if (row is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } time, { IsInteger: true } active, ..] } || row.Items.Count is not (7 or 9) || ++entries > 31) continue;
            var twin = row.Items.Count == 9;
            w.WriteStartElement("LogEntry", Namespace);
            TimeElement(w, "Timestamp", time.Value);
            w.WriteStartElement("Electricity", Namespace);
            Element(w, "ElecActiveImportRegisterConsumption", active.Value);
            if (twin && row[2].IsInteger) Element(w, "SecondaryActiveImportRegisterConsumption", row[2].Value);
            if (twin) IntegersWithIndex(w, "SecondaryTariffTOURegisterMatrixValue", row[4], 4);
            IntegersWithIndex(w, "TariffTOURegisterMatrixValue", row[twin ? 3 : 2], 48);
            for (var block = 0; block < 4; block++)
                IntegersWithIndex(w, $"TariffTOUBlock{block + 1}RegisterMatrixValue", row[(twin ? 5 : 3) + block], 8);
            w.WriteEndElement();
            w.WriteEndElement();
        }
    }

    /// <summary>
    /// The snapshots a GBZ payload publishes from one cluster (ZCL SE Publish Snapshot, Metering 0x0702, and Publish Prepay
    /// Snapshot, Prepayment 0x0705, share a header: snapshot id (4), time (4, UTC since 2000), total found, command index,
    /// total commands (1 each), cause (4), payload type (1), then the payload; little-endian), at most <paramref name="max"/>.
    /// </summary>
    private static List<(uint Time, byte Type, ReadOnlyMemory<byte> Payload)> Snapshots(GbzPayload g, ushort cluster, int max)
    {
        var list = new List<(uint, byte, ReadOnlyMemory<byte>)>();
        foreach (var c in g.Components)
            if (c.ClusterId == cluster && c.Frame is { ClusterSpecific: true } f && f.Payload.Length >= 16 && list.Count < max)
                list.Add((BinaryPrimitives.ReadUInt32LittleEndian(f.Payload.Span[4..]), f.Payload.Span[15], f.Payload[16..]));
        return list;
    }

    /// <summary>
    /// A Metering snapshot of payload type 6, the Block Tier Information Set Delivered (No Billing): current summation
    /// delivered (uint48), tiers in use (1), tier summations (uint48 each), tiers and blocks in use (tiers in the high nibble,
    /// blocks in the low), tier-block summations. Rendered as carried: a snapshot holds no Divisor.
    /// </summary>
    private static void MeteringSnapshot(MmcWriter w, ReadOnlyMemory<byte> payload, string? total, string block, string tou, bool blocksFirst)
    {
        var p = payload.Span;
        if (p.Length < 7 || p[6] > 4 || p.Length < 7 + 6 * p[6] + 1) return;
        var tiers = p[6];
        const int tierAt = 7;
        var blocksAt = tierAt + 6 * tiers;
        var blocks = p[blocksAt] & 0x0F;
        if (blocks > 4 || p.Length < blocksAt + 1 + 6 * blocks) blocks = 0;
        if (total is not null) Element(w, total, (long)UInt48(p));
        for (var pass = 0; pass < 2; pass++)
        {
            if (pass == 0 == blocksFirst)
                for (var i = 0; i < blocks; i++) DecimalWithIndex(w, block, i + 1, UInt48(p[(blocksAt + 1 + 6 * i)..]));
            else
                for (var i = 0; i < tiers; i++) DecimalWithIndex(w, tou, i + 1, UInt48(p[(tierAt + 6 * i)..]));
        }
    }

    /// <summary>
    /// A Prepayment snapshot of payload type 0, the Debt/Credit Status: accumulated debt (int32), type 1–3 debt remaining
    /// (uint32: the time-based debts 1 and 2, the payment-based debt), emergency credit remaining and credit remaining (int32),
    /// as the MMC's PrepaymentOperationalDataType.
    /// </summary>
    private static void PrepaySnapshot(MmcWriter w, string entry, uint time, ReadOnlySpan<byte> p)
    {
        if (p.Length < 24) return;
        w.WriteStartElement(entry, Namespace);
        Element(w, "AccumulatedDebtRegister", BinaryPrimitives.ReadInt32LittleEndian(p));
        Element(w, "EmergencyCreditBalance", BinaryPrimitives.ReadInt32LittleEndian(p[16..]));
        Element(w, "MeterBalance", BinaryPrimitives.ReadInt32LittleEndian(p[20..]));
        Element(w, "PaymentDebtRegister", BinaryPrimitives.ReadUInt32LittleEndian(p[12..]));
        Element(w, "TimeDebtRegisters1", BinaryPrimitives.ReadUInt32LittleEndian(p[4..]));
        Element(w, "TimeDebtRegisters2", BinaryPrimitives.ReadUInt32LittleEndian(p[8..]));
        TimeElement(w, "Timestamp", time);
        w.WriteEndElement();
    }

    /// <summary>4.14 GCS16b, decrypted: a Publish Prepay Snapshot per day; ECS21b: <see cref="ElectricityPrepaymentDailyReadLog"/>.</summary>
    private static void PrepaymentDailyReadLog(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload is DlmsAccessResponse)
        {
            ElectricityPrepaymentDailyReadLog(w, plaintexts);
            return;
        }
        if (m.Payload is not GbzPayload g || !values)
        {
            FuelOnly(w, m, values, plaintexts);
            return;
        }
        w.WriteStartElement("Gas", Namespace);
        foreach (var s in Snapshots(g, 0x0705, 31))
            if (s.Type == 0x00) PrepaySnapshot(w, "LogEntry", s.Time, s.Payload.Span);
        w.WriteEndElement();
    }

    /// <summary>
    /// 4.4.2 GCS15b and 4.4.3 GCS15c, decrypted: the billing data log's Metering snapshots, then its Prepayment snapshots
    /// (up to 12 each); ECS20b/c's DLMS logs once decrypted (<see cref="ElectricityTriggeredBillingLog"/>, <see cref="ElectricityCalendarBillingLog"/>).
    /// </summary>
    private static void BillingDataLog(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts, bool calendar)
    {
        if (m.Payload is DlmsAccessResponse)
        {
            if (calendar) ElectricityCalendarBillingLog(w, plaintexts);
            else ElectricityTriggeredBillingLog(w, plaintexts);
            return;
        }
        if (m.Payload is not GbzPayload g || !values)
        {
            Empty(w, "Gas");
            return;
        }
        w.WriteStartElement("Gas", Namespace);
        foreach (var s in Snapshots(g, 0x0702, 12))
        {
            if (s.Type != 0x06) continue;
            if (calendar)
            {
                GsmeBillingEntry(w, "GSMEBillingDataLogEntry", s);
                continue;
            }
            // ConsumptionRegisterGasType: the register, its time, then the TOU and block registers.
            w.WriteStartElement("LogEntryConsumptionRegister", Namespace);
            if (s.Payload.Length >= 6) Element(w, "ConsumptionRegister", (long)UInt48(s.Payload.Span));
            TimeElement(w, "Timestamp", s.Time);
            MeteringSnapshot(w, s.Payload, null, "BlockRegisterMatrixValue", "TariffTOURegisterMatrixValue", blocksFirst: false);
            w.WriteEndElement();
        }
        foreach (var s in Snapshots(g, 0x0705, 12))
            if (s.Type == 0x00) PrepaySnapshot(w, calendar ? "GSMEBillingPrepaymentDataLogEntry" : "LogEntryPrepaymentData", s.Time, s.Payload.Span);
        w.WriteEndElement();
    }

    private static ulong UInt48(ReadOnlySpan<byte> p) => BinaryPrimitives.ReadUInt32LittleEndian(p) | (ulong)BinaryPrimitives.ReadUInt16LittleEndian(p[4..]) << 32;

    /// <summary>4.8.1 ECS22b: the decrypted active import profile, an array of {time, primary[, secondary]} (double-long-unsigned).</summary>
    private static void ActiveImportProfile(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload.Kind == GbcsPayloadKind.Gbz)
        {
            if (values) GasProfile(w, m);
            return;
        }
        if (Decrypted(plaintexts) is not [{ Type: DlmsType.Array } log, ..]) return;
        var n = 0;
        foreach (var row in log.Items)
        {
            if (row is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } time, { IsInteger: true } primary, ..] } || ++n > 19056) continue;
            w.WriteStartElement("LogEntry", Namespace);
            TimeElement(w, "Timestamp", time.Value);
            w.WriteStartElement("Electricity", Namespace);
            Element(w, "PrimaryValue", primary.Value);
            if (row.Items.Count >= 3 && row[2].IsInteger) Element(w, "SecondaryValue", row[2].Value);
            w.WriteEndElement();
            w.WriteEndElement();
        }
    }

    private static void ImportRegisters(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload.Kind == GbcsPayloadKind.Gbz)
        {
            // GCS13a: Metering Current Summation Delivered (0x0000) in the Unit of Measure (0x0300; 0x01 is m³).
            w.WriteStartElement("Gas", Namespace);
            if (values && Summation(m, 0x0000) is { } v && Attribute(m, 0x0702, 0x0300) is { Unsigned: 0x01 })
            {
                w.WriteStartElement("ConsumptionRegister", Namespace);
                Element(w, "Value", v.ToString(CultureInfo.InvariantCulture));
                Element(w, "Unit", "m3");
                w.WriteEndElement();
            }
            w.WriteEndElement();
            return;
        }
        if (plaintexts.Count == 0 || Plain(plaintexts[0]) is not { } data)
        {
            FuelOnly(w, m, values, plaintexts);
            return;
        }
        var registers = data is { Type: DlmsType.Structure, Items: [{ Type: DlmsType.Structure } inner] } ? inner : data;
        w.WriteStartElement("Electricity", Namespace);
        if (registers is { Type: DlmsType.Structure, Items.Count: >= 2 })
        {
            Register(w, "ActiveImportRegister", "ActiveEnergyUnit", registers[0], registers[1], unit: 30, "Wh");
            if (registers.Items.Count >= 4) Register(w, "ReactiveImportRegister", "ReactiveEnergyUnit", registers[2], registers[3], unit: 32, "varh");
        }
        w.WriteEndElement();
    }

    /// <summary>A register value and its COSEM scaler_unit {scaler, unit}: written when the unit is the one the MMC names and the scaled value is whole.</summary>
    private static void Register(MmcWriter w, string element, string unitElement, DlmsData value, DlmsData scalerUnit, int unit, string unitName)
    {
        if (!value.IsInteger || scalerUnit is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.Integer } scaler, { Type: DlmsType.Enum } u] } || u.Value != unit
            || scaler.Value is < 0 or > 6) return;
        w.WriteStartElement(element, Namespace);
        Element(w, "Value", (value.UnsignedValue * (ulong)Math.Pow(10, scaler.Value)).ToString(CultureInfo.InvariantCulture));
        Element(w, unitElement, unitName);
        w.WriteEndElement();
    }

    /// <summary>A decrypted DLMS protected attribute: A-XDR data, or null when it does not read as such.</summary>
    private static DlmsData? Plain(byte[] plaintext)
    {
        var r = new OctetReader(plaintext);
        try
        {
            var data = DlmsData.Read(ref r);
            return r.AtEnd ? data : null;
        }
        catch (GbcsParseException)
        {
            return null;
        }
    }

    private static void FuelOnly(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts) =>
        Empty(w, m.Payload.Kind == GbcsPayloadKind.Gbz ? "Gas" : "Electricity");

    private static void Empty(MmcWriter w, string name)
    {
        w.WriteStartElement(name, Namespace);
        w.WriteEndElement();
    }

    private static void ExecutionOutcome(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload is not Asn1Payload { Root: var root }) return;
        foreach (var child in root.Children)
            if (MmcExecutionOutcome.Is(child))
            {
                MmcExecutionOutcome.Write(w, "ExecutionOutcome", child);
                return;
            }
    }

    private static void Asn1Status(MmcWriter w, string name, ParsedGbcsMessage m, Asn1CodeList list)
    {
        var code = m.Payload switch
        {
            Asn1Payload { Root: { TagNumber: Asn1Node.Integer or Asn1Node.Enumerated, Constructed: false } n } => (int)n.AsInteger(),
            Asn1Payload { Root.Children: [.., { TagNumber: Asn1Node.Integer or Asn1Node.Enumerated, Constructed: false } n] } => (int)n.AsInteger(),
            DlmsAccessResponse r => r.Success ? 0 : r.Results.FirstOrDefault(x => !x.Success).Result,
            _ => -1,
        };
        Asn1StatusCodes.Write(w, name, code, list);
    }

    private static DlmsData? Item(ParsedGbcsMessage m, int index) =>
        m.Payload is DlmsAccessResponse r && index < r.Data.Count && index < r.Results.Count && r.Results[index].Success ? r.Data[index] : null;

    private static ZclAttribute? Attribute(ParsedGbcsMessage m, ushort cluster, ushort id)
    {
        if (m.Payload is not GbzPayload g) return null;
        foreach (var c in g.Components)
            if (c.ClusterId == cluster && c.Frame?.Attributes is { } attributes)
                foreach (var a in attributes)
                    if (a.Id == id && a.Status == 0) return a;
        return null;
    }

    private static void MeterBalance(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values) return;
        if (Item(m, 0) is { IsInteger: true } balance) Element(w, "MeterBalance", balance.Text);
        else if (Attribute(m, 0x0705, 0x0001) is { } credit) Element(w, "MeterBalance", credit.Signed.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// GBCS GCS21f (4.11.1): the Price cluster's Publish Price (command 0x00: the current price and its trailing digit) and
    /// attributes (ZCL SE Price cluster): Standing Charge 0x0301, Block 1–3 Threshold 0x0100–0x0102 (× Threshold Multiplier
    /// 0x0202 ÷ Threshold Divisor 0x0203), Tier 1–4 Block 1 Price 0x0410–0x0440 (the TOU prices), No Tier Block 1–4 Price
    /// 0x0400–0x0403 (the block prices), Currency 0x0616 (ISO 4217: 826 GBP, 978 EUR).
    /// </summary>
    private static void GasTariff(MmcWriter w, ParsedGbcsMessage m, bool values)
    {
        w.WriteStartElement("Gas", Namespace);
        if (!values)
        {
            w.WriteEndElement();
            return;
        }
        if (PublishPrice(m) is { } price)
        {
            Element(w, "PrimaryActiveTariffPrice", price.Price);
            Element(w, "PrimaryActiveTariffPriceScale", -price.TrailingDigits);
        }
        if (Attribute(m, 0x0700, 0x0616) is { } currency && currency.Unsigned switch { 826 => "GBP", 978 => "ECB", _ => null } is { } label)
            Element(w, "CurrencyUnitsLabel", label);
        if (Attribute(m, 0x0700, 0x0301) is { } standing && standing.Unsigned <= uint.MaxValue) Element(w, "StandingCharge", (long)standing.Unsigned);
        if (Attribute(m, 0x0700, 0x0100) is not null)
        {
            var multiplier = Attribute(m, 0x0700, 0x0202) is { } mu && mu.Unsigned > 0 ? (decimal)mu.Unsigned : 1m;
            var divisor = Attribute(m, 0x0700, 0x0203) is { } d && d.Unsigned > 0 ? (decimal)d.Unsigned : 1m;
            w.WriteStartElement("TariffThresholds", Namespace);
            for (ushort i = 0; i < 3; i++)
                if (Attribute(m, 0x0700, (ushort)(0x0100 + i)) is { } t)
                {
                    w.WriteStartElement("BlockThreshold", Namespace);
                    w.WriteAttribute("index", i + 1);
                    w.WriteString((t.Unsigned * multiplier / divisor).ToString(CultureInfo.InvariantCulture));
                    w.WriteEndElement();
                }
            w.WriteEndElement();
        }
        GasPrices(w, m, "TOUTariff", "TariffTOUPrice", [0x0410, 0x0420, 0x0430, 0x0440]);
        GasPrices(w, m, "BlockTariff", "BlockPrice", [0x0400, 0x0401, 0x0402, 0x0403]);
        w.WriteEndElement();
    }

    private static void GasPrices(MmcWriter w, ParsedGbcsMessage m, string element, string priceElement, ReadOnlySpan<ushort> attributes)
    {
        var open = false;
        for (var i = 0; i < attributes.Length; i++)
        {
            if (Attribute(m, 0x0700, attributes[i]) is not { } a || a.Unsigned > uint.MaxValue) continue;
            if (!open) { w.WriteStartElement(element, Namespace); open = true; }
            w.WriteStartElement(priceElement, Namespace);
            w.WriteAttribute("index", i + 1);
            w.WriteValue((long)a.Unsigned);
            w.WriteEndElement();
        }
        if (open) w.WriteEndElement();
    }

    /// <summary>
    /// ZCL SE Publish Price (Price cluster, server command 0x00): provider id (4), rate label (string), issuer event id (4), current
    /// time (4), unit of measure (1), currency (2), price trailing digit and tier (1), number of tiers (1), start time (4),
    /// duration (2), price (4, little-endian).
    /// </summary>
    private static (long Price, int TrailingDigits)? PublishPrice(ParsedGbcsMessage m)
    {
        if (m.Payload is not GbzPayload g) return null;
        foreach (var c in g.Components)
        {
            if (c.ClusterId != 0x0700 || c.Frame is not { ClusterSpecific: true, CommandId: 0x00 } f || f.Payload.Length < 5) continue;
            var p = f.Payload.Span;
            var at = 4 + 1 + p[4] + 4 + 4 + 1 + 2;
            if (p.Length < at + 1 + 1 + 4 + 2 + 4) return null;
            return (BinaryPrimitives.ReadUInt32LittleEndian(p[(at + 8)..]), p[at] >> 4);
        }
        return null;
    }

    private static void MPxN(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload.Kind == GbcsPayloadKind.Gbz)
        {
            w.WriteStartElement("Gas", Namespace);
            if (values && Attribute(m, 0x0702, 0x0307) is { } mprn && mprn.Value.Length <= 10) Element(w, "MPRN", Ascii(mprn.Value.Span));
            w.WriteEndElement();
            return;
        }
        w.WriteStartElement("Electricity", Namespace);
        if (values)
        {
            if (Item(m, 0) is { Type: DlmsType.OctetString } import)
            {
                var text = Ascii(import.Octets.Span);
                if (text.Length <= 13) Element(w, "ImportMPAN", text);
                else if (text.Length <= 26) { Element(w, "ImportMPAN", text[..13]); Element(w, "SecondaryImportMPAN", text[13..]); }
            }
            if (Item(m, 1) is { Type: DlmsType.OctetString } export && export.Octets.Length <= 13) Element(w, "ExportMPAN", Ascii(export.Octets.Span));
        }
        w.WriteEndElement();
    }

    private static void SupplyStatus(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values) return;
        if (Item(m, 0) is { Type: DlmsType.Enum } state)
        {
            if (state.Value switch { 0 => "Disabled", 1 => "Enabled", 2 => "Armed", _ => null } is { } s) Element(w, "SupplyState", s);
            return;
        }
        if (Attribute(m, 0x0702, 0x0014) is { } supply && supply.Unsigned switch { 0 => "Disabled", 1 => "Armed", 2 => "Enabled", _ => null } is { } gas)
            Element(w, "SupplyState", gas);
        if (Attribute(m, 0x0702, 0x0205) is { } battery)
        {
            w.WriteStartElement("Gas", Namespace);
            Element(w, "RemainingBatteryCapacity", battery.Unsigned.ToString(CultureInfo.InvariantCulture));
            w.WriteEndElement();
        }
    }

    private static void FirmwareVersion(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values) return;
        var version = m.Payload switch
        {
            DlmsAccessResponse => Item(m, 0) is { Type: DlmsType.OctetString } v ? Convert.ToHexString(v.Octets.Span) : null,
            GbzPayload => Attribute(m, 0x0702, 0x0206) is { } a ? Convert.ToHexString(a.Value.Span) : null,
            Asn1Payload { Root.Children: [{ TagNumber: Asn1Node.OctetString } o, ..] } => Convert.ToHexString(o.Value.Span),
            _ => null,
        };
        if (version is not null) Element(w, "FirmwareVersion", version);
    }

    /// <summary>Rows of a profile buffer, each {time, value…}: the values under <paramref name="valueNames"/>, then the time (the MMC's order).</summary>
    private static void Rows(MmcWriter w, DlmsData? buffer, int max, string entry, string timeName, params ReadOnlySpan<string> valueNames)
    {
        if (buffer is not { Type: DlmsType.Array }) return;
        var n = 0;
        foreach (var row in buffer.Items)
        {
            if (row is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } time, ..] } || row.Items.Count < 1 + valueNames.Length) continue;
            if (++n > max) break;
            w.WriteStartElement(entry, Namespace);
            for (var i = 0; i < valueNames.Length; i++)
                if (row[i + 1].IsInteger) Element(w, valueNames[i], row[i + 1].Value);
            TimeElement(w, timeName, time.Value);
            w.WriteEndElement();
        }
    }

    private static void DebtPayments(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (values && m.Payload is GbzPayload g)
        {
            GasDebtPayments(w, g);
            return;
        }
        if (!values || m.Payload is not DlmsAccessResponse || Item(m, 0) is not { Type: DlmsType.Array } log) return;
        w.WriteStartElement("PaymentBasedDebtRepayment", Namespace);
        Rows(w, log, 10, "LogEntry", "Timestamp", "Amount");
        w.WriteEndElement();
    }

    /// <summary>
    /// 4.4.4 GCS15d: the Prepayment cluster's Publish Debt Log (ZCL SE): command index (1), total commands (1), then per
    /// entry collection time (4, UTC since 2000), amount collected (4), debt type (1: 0x02 is Debt #3, the payment-based
    /// debt) and outstanding debt (4), little-endian.
    /// </summary>
    private static void GasDebtPayments(MmcWriter w, GbzPayload g)
    {
        foreach (var c in g.Components)
        {
            if (c.ClusterId != 0x0705 || c.Frame is not { ClusterSpecific: true } f || f.Payload.Length < 2) continue;
            var p = f.Payload.Span[2..];
            w.WriteStartElement("PaymentBasedDebtRepayment", Namespace);
            for (var n = 0; p.Length >= 13 && n < 10; p = p[13..])
            {
                if (p[8] != 0x02) continue;
                n++;
                w.WriteStartElement("LogEntry", Namespace);
                Element(w, "Amount", BinaryPrimitives.ReadUInt32LittleEndian(p[4..]));
                TimeElement(w, "Timestamp", BinaryPrimitives.ReadUInt32LittleEndian(p));
                w.WriteEndElement();
            }
            w.WriteEndElement();
            return;
        }
    }

    private static void ExportRegisters(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: >= 2 }) return;
        if (Item(m, 0) is { } active && Item(m, 1) is { } activeUnit) Register(w, "ActiveExportRegister", "ActiveEnergyUnit", active, activeUnit, unit: 30, "Wh");
        if (Item(m, 2) is { } reactive && Item(m, 3) is { } reactiveUnit) Register(w, "ReactiveExportRegister", "ReactiveEnergyUnit", reactive, reactiveUnit, unit: 32, "varh");
    }

    /// <summary>
    /// 4.10 ECS23 (single-phase ESME): average RMS over-voltage counter and under-voltage counter (each with a scaler-unit), the
    /// average RMS voltage profile {time, value} and its measurement period (seconds).
    /// </summary>
    private static void NetworkData(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (values && m.Payload is GbzPayload)
        {
            GasNetworkData(w, m);
            return;
        }
        if (!values || m.Header.MessageCode != 0x0039 || m.Payload is not DlmsAccessResponse { Data.Count: 6 })
        {
            FuelOnly(w, m, values, plaintexts);
            return;
        }
        w.WriteStartElement("Electricity", Namespace);
        w.WriteStartElement("SinglePhaseESME", Namespace);
        foreach (var (item, name) in (ReadOnlySpan<(int, string)>)[(0, "AvgRMSOverVoltageCounter"), (2, "AvgRMSUnderVoltageCounter")])
            if (Item(m, item) is { IsInteger: true } counter)
            {
                w.WriteStartElement(name, Namespace);
                Element(w, "Value", counter.Value);
                w.WriteEndElement();
            }
        if (Item(m, 4) is { Type: DlmsType.Array } profile)
        {
            w.WriteStartElement("AvgRMSVoltageProfileDataLog", Namespace);
            Rows(w, profile, 4320, "LogEntry", "Timestamp", "Value");
            if (Item(m, 5) is { IsInteger: true } period) Element(w, "MeasurementPeriod", period.Value);
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteEndElement();
    }

    /// <summary>
    /// 6.2.1 ECS26b (single-phase, 0x003C) and ECS26k (poly-phase, 0x00C6): items 0–7 are the Limiters (class 71)
    /// 0-0:17.0.1–4.255 threshold_normal and min_over_threshold_duration; then ECS26b reads Register 1-0:32.35.0.4 and
    /// 1-0:32.31.0.4 (average RMS over- and under-voltage threshold), ECS26k per phase L1 (C = 32), L2 (52) and L3 (72) the
    /// over (D = 35) and under (D = 31) thresholds in the order its RTDS command lists them: 32.35, 32.31, 52.31, 52.35, 72.31, 72.35.
    /// </summary>
    private static void Voltage(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        var count = m.Header.MessageCode switch { 0x003C => 10, 0x00C6 => 14, _ => 0 };
        if (!values || count == 0 || m.Payload is not DlmsAccessResponse r || r.Data.Count != count) return;
        for (var i = 0; i < count; i++)
            if (Item(m, i) is not { IsInteger: true }) return;
        if (count == 10)
        {
            w.WriteStartElement("SinglePhaseVoltageSettings", Namespace);
            Element(w, "AverageRMSOverVoltageThreshold", Item(m, 8)!.Value);
            Element(w, "AverageRMSUnderVoltageThreshold", Item(m, 9)!.Value);
            w.WriteEndElement();
        }
        else
            foreach (var (phase, over, under) in (ReadOnlySpan<(int, int, int)>)[(1, 8, 9), (2, 11, 10), (3, 13, 12)])
            {
                w.WriteStartElement("PolyPhaseVoltageSettings", Namespace);
                Element(w, "Phase", phase);
                w.WriteStartElement("PhaseVoltageSettings", Namespace);
                Element(w, "AverageRMSOverVoltageThreshold", Item(m, over)!.Value);
                Element(w, "AverageRMSUnderVoltageThreshold", Item(m, under)!.Value);
                w.WriteEndElement();
                w.WriteEndElement();
            }
        w.WriteStartElement("RMSVoltageSettings", Namespace);
        string[] names = ["RMSExtremeOverVoltage", "RMSExtremeUnderVoltage", "RMSVoltageSag", "RMSVoltageSwell"];
        for (var i = 0; i < 4; i++)
        {
            Element(w, names[i] + "MeasurementPeriod", Item(m, 2 * i + 1)!.Value);
            Element(w, names[i] + "Threshold", Item(m, 2 * i)!.Value);
        }
        w.WriteEndElement();
    }

    private static void LoadLimit(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 6 }) return;
        if (Item(m, 1) is { IsInteger: true } counter) Element(w, "LoadLimitCounterValue", counter.Value);
        if (Item(m, 3) is { IsInteger: true } threshold) Element(w, "LoadLimitPowerThreshold", threshold.Value);
        if (Item(m, 4) is { IsInteger: true } period) Element(w, "LoadLimitPeriod", period.Value);
        if (Item(m, 5) is { IsInteger: true } restoration) Element(w, "LoadLimitRestorationPeriod", restoration.Value);
        if (Item(m, 0) is { Type: DlmsType.Boolean } disable) Element(w, "LoadLimitSupplyState", disable.Value != 0 ? "Disable" : "Unchanged");
    }

    private static void Identity(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        // GCS21e: Basic cluster Model Identifier 0x0005 (the model type, 8 octets, then the device identifier, 8) and
        // Manufacturer Name 0x0004.
        if (values && m.Payload is GbzPayload)
        {
            if (Attribute(m, 0x0000, 0x0005) is { Value.Length: 16 } identifier)
            {
                Element(w, "DeviceIdentifier", Protocol.Domain.Eui.FromBytes(identifier.Value.Span[8..]).ToString());
                if (Printable(identifier.Value.Span[..8])) Element(w, "ModelType", Ascii(identifier.Value.Span[..8]));
            }
            if (Attribute(m, 0x0000, 0x0004) is { Value.Length: <= 32 } name && Printable(name.Value.Span)) Element(w, "ManufacturerIdentifier", Ascii(name.Value.Span));
            return;
        }
        if (!values || m.Header.MessageCode != 0x003F) return;
        if (Item(m, 0) is { Type: DlmsType.OctetString, Octets.Length: 8 } id) Element(w, "DeviceIdentifier", Protocol.Domain.Eui.FromBytes(id.Octets.Span).ToString());
        if (Item(m, 2) is { Type: DlmsType.OctetString, Octets.Length: <= 8 } model && Printable(model.Octets.Span)) Element(w, "ModelType", Ascii(model.Octets.Span));
        if (Item(m, 3) is { Type: DlmsType.OctetString, Octets.Length: <= 32 } maker && Printable(maker.Octets.Span)) Element(w, "ManufacturerIdentifier", Ascii(maker.Octets.Span));
    }

    private static bool Printable(ReadOnlySpan<byte> b) => !b.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E);

    /// <summary>Clock status (IEC 62056-6-2 clock_status): bit 0 invalid, bit 1 doubtful; the ASN.1 status of GCS28 in the MMC's 6.11 order (0 reliable, 1 invalid, 2 unreliable).</summary>
    private static void SynchroniseClock(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values) return;
        if (m.Payload is DlmsAccessResponse && Item(m, 3)?.AsDateTime() is { } at)
        {
            Element(w, "DeviceTime", DateTimeText(at));
            if (Item(m, 4) is { IsInteger: true } status)
            {
                w.WriteStartElement("Electricity", Namespace);
                w.WriteStartElement("ElecClockTimeStatus", Namespace);
                w.WriteAttribute("TimeStatusCode", status.Value);
                Element(w, "TimeStatus", (status.Value & 0x01) != 0 ? "invalid" : (status.Value & 0x02) != 0 ? "unreliable" : "reliable");
                w.WriteEndElement();
                w.WriteEndElement();
            }
        }
        else if (m.Payload is Asn1Payload { Root.Children: [{ TagNumber: Asn1Node.GeneralizedTime } time, { TagNumber: Asn1Node.Integer or Asn1Node.Enumerated } code, ..] }
            && DateTimeOffset.TryParseExact(Encoding.ASCII.GetString(time.Value.Span), "yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var deviceTime))
        {
            Element(w, "DeviceTime", DateTimeText(deviceTime));
            var c = (long)code.AsInteger();
            w.WriteStartElement("Gas", Namespace);
            w.WriteStartElement("GasClockTimeStatus", Namespace);
            w.WriteAttribute("ResponseCode", c);
            Element(w, "ASN1Status", c switch { 0 => "reliable", 1 => "invalid", 2 => "unreliable", _ => "notKnown" });
            w.WriteEndElement();
            w.WriteEndElement();
        }
    }

    /// <summary>The MMC Log holds at most 100 entries (LogType maxOccurs).</summary>
    private const int MaxLogEntries = 100;

    /// <summary>
    /// GBCS ECS35a–g (6.13): the log's buffer, an array of structures {time (double-long-unsigned, UTC seconds since
    /// 2000-01-01), event or alert code (long-unsigned), other information (octet-string, or the values that follow)}.
    /// GBCS CS10a/b: ZCL SE Events cluster Publish Event Log (server command 0x01): total matching events (2), command index (1),
    /// total commands (1), log payload control (1), then per event: log id (1), event id (2), event time (4, UTC since 2000),
    /// event data (octet string), all little-endian.
    /// </summary>
    private static void EventLog(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values) return;
        if (Item(m, 0) is { Type: DlmsType.Array } buffer)
        {
            if (m.UseCase?.UseCase == "ECS35g" && AlcsEventLog(w, buffer)) return;
            w.WriteStartElement("Log", Namespace);
            var n = 0;
            foreach (var e in buffer.Items)
            {
                if (e is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } time, { Type: DlmsType.LongUnsigned } code, ..] } || ++n > MaxLogEntries) continue;
                w.WriteStartElement("LogEntry", Namespace);
                TimeElement(w, "Timestamp", time.Value);
                LogCode(w, (ushort)code.Value);
                var other = new List<byte>();
                for (var i = 2; i < e.Items.Count; i++) AppendOctets(other, e[i]);
                if (other.Count > 0)
                {
                    w.WriteStartElement("OtherInformation", Namespace);
                    w.WriteHex(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(other));
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();
            return;
        }
        if (m.Payload is not GbzPayload g) return;
        foreach (var c in g.Components)
        {
            if (c.ClusterId != 0x0709 || c.Frame is not { ClusterSpecific: true, CommandId: 0x01 } f || f.Payload.Length < 5) continue;
            var p = f.Payload.Span[5..];
            w.WriteStartElement("Log", Namespace);
            var n = 0;
            while (p.Length >= 8 && p.Length >= 8 + p[7] && ++n <= MaxLogEntries)
            {
                w.WriteStartElement("LogEntry", Namespace);
                TimeElement(w, "Timestamp", BinaryPrimitives.ReadUInt32LittleEndian(p[3..]));
                LogCode(w, BinaryPrimitives.ReadUInt16LittleEndian(p[1..]));
                if (p[7] > 0)
                {
                    w.WriteStartElement("OtherInformation", Namespace);
                    w.WriteHex(p.Slice(8, p[7]));
                    w.WriteEndElement();
                }
                w.WriteEndElement();
                p = p[(8 + p[7])..];
            }
            w.WriteEndElement();
            return;
        }
    }

    private static void LogCode(MmcWriter w, ushort code)
    {
        w.WriteStartElement("LogCode", Namespace);
        Span<byte> octets = [(byte)(code >> 8), (byte)code];
        w.WriteHex(octets);
        w.WriteEndElement();
        if (MmcStatus.KnownAlert(code) is { } meaning) Element(w, "LogMeaning", meaning);
    }

    /// <summary>A GBCS UTC time: seconds since 2000-01-01T00:00:00Z (the ZigBee epoch, which GBCS's DLMS logs use too).</summary>
    private static void TimeElement(MmcWriter w, string name, long seconds)
    {
        w.WriteStartElement(name, Namespace);
        w.WriteDateTime(GbzPayload.ZigBeeEpoch.AddSeconds(seconds));
        w.WriteEndElement();
    }

    /// <summary>A value's octets as carried (big-endian for DLMS integers; an octet-string's contents).</summary>
    private static void AppendOctets(List<byte> to, DlmsData d)
    {
        var width = d.Type switch
        {
            DlmsType.Integer or DlmsType.Unsigned or DlmsType.Enum or DlmsType.Boolean or DlmsType.Bcd => 1,
            DlmsType.Long or DlmsType.LongUnsigned => 2,
            DlmsType.DoubleLong or DlmsType.DoubleLongUnsigned => 4,
            DlmsType.Long64 or DlmsType.Long64Unsigned => 8,
            _ => 0,
        };
        if (width > 0)
            for (var i = width - 1; i >= 0; i--) to.Add((byte)(d.UnsignedValue >> (8 * i)));
        else if (d.Type is DlmsType.OctetString or DlmsType.VisibleString or DlmsType.BitString) to.AddRange(d.Octets.Span);
    }

    private static string Ascii(ReadOnlySpan<byte> b) => Encoding.ASCII.GetString(b).TrimEnd(' ', '\0');
}
