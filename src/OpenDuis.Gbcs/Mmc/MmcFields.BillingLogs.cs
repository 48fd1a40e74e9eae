using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// The ESME's encrypted billing and prepayment logs (4.4.2 ECS20b, 4.4.3 ECS20c, 4.14 ECS21b, the 0x8F0A alert ECS68) and
/// the GSME's billing data log alert (GCS53). Capture orders are GBCS's use case tables (GBCS v4 Use Cases, ECS20b and
/// ECS20c: the entries of 0-0:98.1.2.255 and 0-0:98.1.1.255, GBCS 18.2.1's entry_billingCalendarOnSetModeOrTariffLogEntry
/// and entry_prepaymentReadLogEntry).
/// </summary>
internal static partial class MmcFields
{
    /// <summary>
    /// An ESME billing register set as GBCS captures it: time, active import, [secondary active import,] TOU registers [48],
    /// [secondary TOU registers [4],] TOU registers of block 1–4 [8 each] (double-long-unsigned; bracketed on a twin element).
    /// <paramref name="Next"/> is the index of the first item after them.
    /// </summary>
    private readonly record struct ElectricityRegisters(long Time, DlmsData Active, DlmsData? Secondary, DlmsData Tou, DlmsData? SecondaryTou, int BlocksAt, int Next);

    private static ElectricityRegisters? ReadElectricityRegisters(DlmsData row)
    {
        if (row is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } time, { IsInteger: true } active, var third, ..] }) return null;
        var twin = third.IsInteger;
        var blocksAt = twin ? 5 : 3;
        if (row.Items.Count < blocksAt + 4 || row[twin ? 3 : 2].Type != DlmsType.Array) return null;
        for (var b = 0; b < 4; b++)
            if (row[blocksAt + b].Type != DlmsType.Array) return null;
        return new(time.Value, active, twin ? third : null, row[twin ? 3 : 2], twin ? row[4] : null, blocksAt, blocksAt + 4);
    }

    private static void Blocks(MmcWriter w, DlmsData row, int blocksAt)
    {
        for (var block = 0; block < 4; block++)
            IntegersWithIndex(w, $"TariffTOUBlock{block + 1}RegisterMatrixValue", row[blocksAt + block], 8);
    }

    /// <summary>ESMEBillingDataLogType (4.4.3, and the 0x8F0A alert): Timestamp, the registers, then the block registers.</summary>
    private static void EsmeBillingEntry(MmcWriter w, string element, DlmsData row, ElectricityRegisters r)
    {
        w.WriteStartElement(element, Namespace);
        TimeElement(w, "Timestamp", r.Time);
        Element(w, "ActiveImportRegisterValueConsumption", r.Active.Value);
        if (r.Secondary is { } secondary) Element(w, "SecondaryActiveImportRegisterValueConsumption", secondary.Value);
        IntegersWithIndex(w, "TariffTOURegisterMatrixValue", r.Tou, 48);
        IntegersWithIndex(w, "SecondaryTariffTOURegisterMatrixValue", r.SecondaryTou, 4);
        Blocks(w, row, r.BlocksAt);
        w.WriteEndElement();
    }

    /// <summary>
    /// GBCS's prepayment values after a log entry's time (entry_prepaymentReadLogEntry, and the tail of
    /// entry_billingCalendarOnSetModeOrTariffLogEntry): emergency credit balance, meter balance, payment-based debt, time-based
    /// debts 1 and 2, accumulated debt (double-long each), written as the MMC's PrepaymentOperationalDataType.
    /// </summary>
    private static void PrepaymentEntry(MmcWriter w, string element, long time, DlmsData row, int at)
    {
        if (row.Items.Count < at + 6) return;
        for (var i = at; i < at + 6; i++)
            if (!row[i].IsInteger) return;
        w.WriteStartElement(element, Namespace);
        Element(w, "AccumulatedDebtRegister", row[at + 5].Value);
        Element(w, "EmergencyCreditBalance", row[at].Value);
        Element(w, "MeterBalance", row[at + 1].Value);
        Element(w, "PaymentDebtRegister", row[at + 2].Value);
        Element(w, "TimeDebtRegisters1", row[at + 3].Value);
        Element(w, "TimeDebtRegisters2", row[at + 4].Value);
        TimeElement(w, "Timestamp", time);
        w.WriteEndElement();
    }

    /// <summary>Rows of a decrypted log, at most <paramref name="max"/> (the MMC's maxOccurs).</summary>
    private static IEnumerable<DlmsData> LogRows(DlmsData? log, int max) =>
        log is { Type: DlmsType.Array } ? log.Items.Take(max) : [];

    /// <summary>
    /// 4.4.3 ECS20c, decrypted: a structure of two logs, the consumption registers (entry_billingCalendarOnSetModeOrTariffLogEntry
    /// without the prepayment values) and the prepayment values (entry_prepaymentReadLogEntry: time, then the six values).
    /// </summary>
    private static void ElectricityCalendarBillingLog(MmcWriter w, IReadOnlyList<byte[]> plaintexts)
    {
        var logs = Decrypted(plaintexts);
        w.WriteStartElement("Electricity", Namespace);
        if (logs is [{ Type: DlmsType.Array } consumption, ..])
            foreach (var row in LogRows(consumption, 12))
                if (ReadElectricityRegisters(row) is { } r) EsmeBillingEntry(w, "ESMEBillingDataLogEntry", row, r);
        if (logs is [_, { Type: DlmsType.Array } prepayment, ..])
            foreach (var row in LogRows(prepayment, 12))
                if (row is { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } time, ..] })
                    PrepaymentEntry(w, "ESMEBillingPrepaymentDataLogEntry", time.Value, row, 1);
        w.WriteEndElement();
    }

    /// <summary>
    /// 4.4.2 ECS20b, decrypted: one log whose entries hold the registers and then the prepayment values; the MMC lists every
    /// entry's registers (ConsumptionAndTariffRegistersType), then every entry's prepayment values.
    /// </summary>
    private static void ElectricityTriggeredBillingLog(MmcWriter w, IReadOnlyList<byte[]> plaintexts)
    {
        var rows = Decrypted(plaintexts) is [{ Type: DlmsType.Array } log, ..] ? LogRows(log, 12).ToList() : [];
        w.WriteStartElement("Electricity", Namespace);
        foreach (var row in rows)
        {
            if (ReadElectricityRegisters(row) is not { } r) continue;
            w.WriteStartElement("LogEntryConsumptionAndTariffRegistersData", Namespace);
            Element(w, "ActiveImportRegisterConsumption", r.Active.Value);
            IntegersWithIndex(w, "TariffTOURegisterMatrixValue", r.Tou, 48);
            Blocks(w, row, r.BlocksAt);
            if (r.Secondary is { } secondary) Element(w, "SecondaryActiveImportRegisterConsumption", secondary.Value);
            IntegersWithIndex(w, "SecondaryTariffTOURegisterMatrixValue", r.SecondaryTou, 4);
            TimeElement(w, "Timestamp", r.Time);
            w.WriteEndElement();
        }
        foreach (var row in rows)
            if (ReadElectricityRegisters(row) is { } r) PrepaymentEntry(w, "LogEntryPrepaymentData", r.Time, row, r.Next);
        w.WriteEndElement();
    }

    /// <summary>
    /// 4.14 ECS21b, decrypted: the prepayment daily read log, entries of {time, the six prepayment values} as GBCS's
    /// entry_prepaymentReadLogEntry (the entry ECS20c names for the same values; RTDS's ECS21b entries have its shape).
    /// </summary>
    private static void ElectricityPrepaymentDailyReadLog(MmcWriter w, IReadOnlyList<byte[]> plaintexts)
    {
        w.WriteStartElement("Electricity", Namespace);
        if (Decrypted(plaintexts) is [{ Type: DlmsType.Array } log, ..])
            foreach (var row in LogRows(log, 31))
                if (row is { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } time, ..] })
                    PrepaymentEntry(w, "LogEntry", time.Value, row, 1);
        w.WriteEndElement();
    }

    /// <summary>
    /// The 0x8F0A billing data log alert (GBCS ECS68, GCS53): the log's most recent entry. ESME: the decrypted registers as
    /// ECS20c's consumption entry; GSME: a Metering Publish Snapshot of the Block Tier Information Set, as GCS15c's.
    /// </summary>
    internal static bool BillingDataLogAlert(MmcWriter w, ParsedGbcsMessage m, IReadOnlyList<byte[]> plaintexts)
    {
        if (Opened(m, plaintexts) is { Payload: GbzPayload g })
        {
            foreach (var s in Snapshots(g, 0x0702, 1))
                if (s.Type == 0x06)
                {
                    w.WriteStartElement("Payload", Namespace);
                    w.WriteStartElement("BillingDataLogDeviceAlert", Namespace);
                    GsmeBillingEntry(w, "GSMEBillingDataLogEntry", s);
                    w.WriteEndElement();
                    w.WriteEndElement();
                    return true;
                }
            return false;
        }
        if (Decrypted(plaintexts) is not [{ Type: DlmsType.Array, Items: [var row, ..] }, ..] || ReadElectricityRegisters(row) is not { } r) return false;
        w.WriteStartElement("Payload", Namespace);
        w.WriteStartElement("BillingDataLogDeviceAlert", Namespace);
        EsmeBillingEntry(w, "ESMEBillingDataLogEntry", row, r);
        w.WriteEndElement();
        w.WriteEndElement();
        return true;
    }

    /// <summary>GSMEBillingDataLogType from a Metering snapshot: Timestamp, the register, the block registers, the TOU registers.</summary>
    private static void GsmeBillingEntry(MmcWriter w, string element, (uint Time, byte Type, ReadOnlyMemory<byte> Payload) s)
    {
        w.WriteStartElement(element, Namespace);
        TimeElement(w, "Timestamp", s.Time);
        MeteringSnapshot(w, s.Payload, "ActiveImportRegisterValueConsumption", "BlockRegisterMatrixValue", "TariffTOURegisterMatrixValue", blocksFirst: true);
        w.WriteEndElement();
    }
}
