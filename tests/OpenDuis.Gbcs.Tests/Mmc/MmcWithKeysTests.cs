using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;
using OpenDuis.Gbcs.Security;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests.Mmc;

/// <summary>
/// Parse with keys (the ZAZ1 test PKI behind RTDS 4.5.0, rtds-gbcs/keystore): MAC, signature and
/// encrypted payloads verify before anything is rendered; decrypted payloads become plain GBCSData.
/// </summary>
public class MmcWithKeysTests
{
    private static readonly Lazy<GbcsKeySecurity> Security = new(() => new GbcsKeySecurity(GbcsKeyring.Load(RepoPaths.ReferencePath("rtds-gbcs", "keystore"))));

    [Fact]
    public void Every_RTDS_response_and_alert_verifies_with_the_keys_and_renders_valid_with_its_payloads_decrypted()
    {
        var failures = new List<string>();
        var decrypted = 0;
        var keyMissing = new List<string>();
        var dir = Directory.CreateTempSubdirectory("openduis-mmc-keys-");
        var written = new List<string>();
        foreach (var file in Rtds.ResponsesAndAlerts())
        {
            var bytes = Rtds.Read(file);
            try
            {
                var xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, Security.Value);
                var path = Path.Combine(dir.FullName, Rtds.Name(file) + ".xml");
                File.WriteAllText(path, xml);
                written.Add(path);
                if (xml.Contains("format=\"encrypted\"", StringComparison.Ordinal)) failures.Add($"{Rtds.Name(file)}: encrypted content left undecrypted");
                if (xml.Contains("format=\"plain\"", StringComparison.Ordinal)) decrypted++;
                if (MmcSchema.DotNetErrors(xml) is { Count: > 0 } errors) failures.Add($"{Rtds.Name(file)}: {errors[0]}");
            }
            catch (GbcsParseException e) when (e.Error.Expected.Contains("no key-agreement private key", StringComparison.Ordinal))
            {
                keyMissing.Add(Rtds.Name(file));
            }
            catch (GbcsParseException e)
            {
                failures.Add($"{Rtds.Name(file)}: {e.Error}");
            }
        }
        // libxml2 agrees that the documents with decrypted values are valid too.
        foreach (var (path, message) in MmcSchema.XmllintFailures(written)) failures.Add($"{Path.GetFileName(path)} (xmllint): {message}");
        dir.Delete(recursive: true);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(decrypted > 20, $"only {decrypted} messages had payloads decrypted");
        // PCS01/PCS02: a PPMID's responses to another Device; the test PKI holds neither party's private key.
        Assert.Equal(2, keyMissing.Count);
        Assert.All(keyMissing, name => Assert.StartsWith("PCS0", name, StringComparison.Ordinal));
    }

    [Fact]
    public void The_decrypted_import_registers_of_4_1_1_are_rendered_with_their_units()
    {
        var bytes = Rtds.Read(Rtds.ResponsesAndAlerts().Single(f => Rtds.Name(f) == "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"));
        var xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, Security.Value);
        Assert.Contains("<ra:ActiveImportRegister>\n              <ra:Value>10</ra:Value>\n              <ra:ActiveEnergyUnit>Wh</ra:ActiveEnergyUnit>", xml, StringComparison.Ordinal);
        Assert.Contains("<ra:ReactiveEnergyUnit>varh</ra:ReactiveEnergyUnit>", xml, StringComparison.Ordinal);
        Assert.Empty(MmcSchema.DotNetErrors(xml));
    }

    private static string RenderWithKeys(string name)
    {
        var bytes = Rtds.Read(Rtds.ResponsesAndAlerts().Single(f => Rtds.Name(f) == name));
        var xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, Security.Value);
        Assert.Empty(MmcSchema.DotNetErrors(xml));
        return xml;
    }

    private static string Squeezed(string xml) => System.Text.RegularExpressions.Regex.Replace(xml, @">\s+<", "><");

    [Theory]
    // GCS13a: Current Summation Delivered 12345 × Multiplier 1 ÷ Divisor 1000, Unit of Measure m³.
    [InlineData("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX", "<ra:Gas><ra:ConsumptionRegister><ra:Value>12.345</ra:Value><ra:Unit>m3</ra:Unit></ra:ConsumptionRegister></ra:Gas>")]
    // GCS13c: Current Tier 1–4 Summation Delivered 1000, 2000, 3000, 4000 ÷ 1000.
    [InlineData("GCS13c_4.1.2_SUCCESS_RELIABLE_GPF_RESPONSE_GBCS.HEX", "<ra:TariffTOURegisterMatrix><ra:TOURegisterMatrixValue index=\"1\">1</ra:TOURegisterMatrixValue><ra:TOURegisterMatrixValue index=\"2\">2</ra:TOURegisterMatrixValue><ra:TOURegisterMatrixValue index=\"3\">3</ra:TOURegisterMatrixValue><ra:TOURegisterMatrixValue index=\"4\">4</ra:TOURegisterMatrixValue></ra:TariffTOURegisterMatrix>")]
    // GCS13b: Current No Tier Block 1–4 Summation Delivered 0, 1, 2, 3 ÷ 1000.
    [InlineData("GCS13b_4.1.4_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX", "<ra:TariffBlockCounterValue index=\"1\">0</ra:TariffBlockCounterValue><ra:TariffBlockCounterValue index=\"2\">0.001</ra:TariffBlockCounterValue><ra:TariffBlockCounterValue index=\"3\">0.002</ra:TariffBlockCounterValue><ra:TariffBlockCounterValue index=\"4\">0.003</ra:TariffBlockCounterValue>")]
    // ECS17d: 48 TOU registers, the first 81 and the last 133; the twin's secondary element adds four.
    [InlineData("ECS17d_4.1.2_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:TOUPrimaryRegisterValue index=\"1\">81</ra:TOUPrimaryRegisterValue>")]
    [InlineData("ECS17d_4.1.2_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:TOUPrimaryRegisterValue index=\"48\">133</ra:TOUPrimaryRegisterValue></ra:TariffTOURegisterCollection>")]
    [InlineData("ECS17d_4.1.2_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "<ra:TOUSecondRegisterValue index=\"1\">220</ra:TOUSecondRegisterValue><ra:TOUSecondRegisterValue index=\"2\">147</ra:TOUSecondRegisterValue><ra:TOUSecondRegisterValue index=\"3\">239</ra:TOUSecondRegisterValue><ra:TOUSecondRegisterValue index=\"4\">224</ra:TOUSecondRegisterValue></ra:TariffTOURegisterCollection>")]
    // GCS14: the Prepayment cluster's credit and debt registers.
    [InlineData("GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX", "<ra:EmergencyCreditBalance>500000</ra:EmergencyCreditBalance><ra:AccumulatedDebtRegister>2500000</ra:AccumulatedDebtRegister><ra:PaymentDebtRegister>5000</ra:PaymentDebtRegister><ra:TimeDebtRegister1>5000</ra:TimeDebtRegister1><ra:TimeDebtRegister2>5000</ra:TimeDebtRegister2><ra:MeterBalance>2500000</ra:MeterBalance>")]
    // ECS66: four days of consumption.
    [InlineData("ECS66_4.17_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Electricity><ra:LogEntry><ra:Value>95</ra:Value><ra:Timestamp>2014-12-02T00:00:00Z</ra:Timestamp></ra:LogEntry><ra:LogEntry><ra:Value>203</ra:Value>")]
    // ECS22b: half-hourly active import, the twin's with its secondary element.
    [InlineData("ECS22b_4.8.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:LogEntry><ra:Timestamp>2014-12-31T00:00:00Z</ra:Timestamp><ra:Electricity><ra:PrimaryValue>95</ra:PrimaryValue></ra:Electricity></ra:LogEntry><ra:LogEntry><ra:Timestamp>2014-12-31T00:30:00Z</ra:Timestamp>")]
    [InlineData("ECS22b_4.8.1_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Electricity><ra:PrimaryValue>95</ra:PrimaryValue><ra:SecondaryValue>203</ra:SecondaryValue></ra:Electricity>")]
    // ECS19: GBCS's prepayment_balance_collection {meter balance, emergency credit, accumulated debt, time debt 1, time debt 2, payment debt}.
    [InlineData("ECS19_4.3_SUCCESS_RESPONSE_GBCS.HEX", "<ra:EmergencyCreditBalance>95000</ra:EmergencyCreditBalance><ra:AccumulatedDebtRegister>187000</ra:AccumulatedDebtRegister><ra:PaymentDebtRegister>46000</ra:PaymentDebtRegister><ra:TimeDebtRegister1>203000</ra:TimeDebtRegister1><ra:TimeDebtRegister2>243000</ra:TimeDebtRegister2><ra:MeterBalance>250000</ra:MeterBalance>")]
    // ECS17e: per block, eight TOU registers then eight block counters (GBCS: entries 1–8 and 9–16 of block 1 …).
    [InlineData("ECS17e_4.1.3_SUCCESS_RESPONSE_GBCS.HEX", "<ra:TariffBlock index=\"1\"><ra:RegisterMatrixTOUValue index=\"1\">95</ra:RegisterMatrixTOUValue>")]
    [InlineData("ECS17e_4.1.3_SUCCESS_RESPONSE_GBCS.HEX", "<ra:RegisterMatrixTOUValue index=\"8\">152</ra:RegisterMatrixTOUValue><ra:CounterMatrixTOUValue index=\"1\">39</ra:CounterMatrixTOUValue>")]
    [InlineData("ECS17e_4.1.3_SUCCESS_RESPONSE_GBCS.HEX", "<ra:CounterMatrixTOUValue index=\"8\">115</ra:CounterMatrixTOUValue></ra:TariffBlock></ra:TariffBlockTOURegisterCollection>")]
    // ECS20b: each entry's registers (the twin's secondary after the blocks, as the MMC orders them), then each entry's prepayment values.
    [InlineData("ECS20b_4.4.2_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Electricity><ra:LogEntryConsumptionAndTariffRegistersData><ra:ActiveImportRegisterConsumption>10435000</ra:ActiveImportRegisterConsumption><ra:TariffTOURegisterMatrixValue index=\"1\">81000</ra:TariffTOURegisterMatrixValue>")]
    [InlineData("ECS20b_4.4.2_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:TariffTOUBlock1RegisterMatrixValue index=\"1\">220000</ra:TariffTOUBlock1RegisterMatrixValue>")]
    [InlineData("ECS20b_4.4.2_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:LogEntryPrepaymentData><ra:AccumulatedDebtRegister>199000</ra:AccumulatedDebtRegister><ra:EmergencyCreditBalance>95000</ra:EmergencyCreditBalance><ra:MeterBalance>152000</ra:MeterBalance><ra:PaymentDebtRegister>243000</ra:PaymentDebtRegister><ra:TimeDebtRegisters1>46000</ra:TimeDebtRegisters1><ra:TimeDebtRegisters2>187000</ra:TimeDebtRegisters2><ra:Timestamp>2014-11-01T00:00:00Z</ra:Timestamp></ra:LogEntryPrepaymentData>")]
    [InlineData("ECS20b_4.4.2_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "</ra:TariffTOUBlock4RegisterMatrixValue><ra:SecondaryActiveImportRegisterConsumption>")]
    // ECS20c: the consumption log's entries, then the prepayment log's.
    [InlineData("ECS20c_4.4.3_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "<ra:ESMEBillingDataLogEntry><ra:Timestamp>2014-12-01T00:00:00Z</ra:Timestamp><ra:ActiveImportRegisterValueConsumption>10674</ra:ActiveImportRegisterValueConsumption><ra:SecondaryActiveImportRegisterValueConsumption>546</ra:SecondaryActiveImportRegisterValueConsumption>")]
    [InlineData("ECS20c_4.4.3_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "</ra:ESMEBillingDataLogEntry><ra:ESMEBillingPrepaymentDataLogEntry><ra:AccumulatedDebtRegister>")]
    // ECS21b: a day's prepayment values {emergency credit, meter balance, payment debt, time debts 1 and 2, accumulated debt}.
    [InlineData("ECS21b_4.14_KRP_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Electricity><ra:LogEntry><ra:AccumulatedDebtRegister>1900000</ra:AccumulatedDebtRegister><ra:EmergencyCreditBalance>700000</ra:EmergencyCreditBalance><ra:MeterBalance>1000000</ra:MeterBalance><ra:PaymentDebtRegister>490000</ra:PaymentDebtRegister><ra:TimeDebtRegisters1>410000</ra:TimeDebtRegisters1><ra:TimeDebtRegisters2>1000000</ra:TimeDebtRegisters2><ra:Timestamp>2014-12-26T00:00:00Z</ra:Timestamp></ra:LogEntry>")]
    // The 0x8F0A billing data log alerts: the ESME's most recent billing entry (twin), the GSME's Publish Snapshot.
    [InlineData("ECS68_NA_8F0A_TWIN_ALERT_GBCS.HEX", "<ra:Payload><ra:BillingDataLogDeviceAlert><ra:ESMEBillingDataLogEntry><ra:Timestamp>2015-01-01T00:00:00Z</ra:Timestamp><ra:ActiveImportRegisterValueConsumption>10435000</ra:ActiveImportRegisterValueConsumption><ra:SecondaryActiveImportRegisterValueConsumption>512000</ra:SecondaryActiveImportRegisterValueConsumption>")]
    [InlineData("ECS68_NA_8F0A_SINGLE_ALERT_GBCS.HEX", "<ra:ESMEBillingDataLogEntry><ra:Timestamp>2015-01-01T00:00:00Z</ra:Timestamp><ra:ActiveImportRegisterValueConsumption>10435000</ra:ActiveImportRegisterValueConsumption><ra:TariffTOURegisterMatrixValue index=\"1\">81000</ra:TariffTOURegisterMatrixValue>")]
    [InlineData("GCS53_NA_8F0A_ALERT_GBCS.HEX", "<ra:Payload><ra:BillingDataLogDeviceAlert><ra:GSMEBillingDataLogEntry><ra:Timestamp>2015-01-01T00:00:00Z</ra:Timestamp><ra:ActiveImportRegisterValueConsumption>15</ra:ActiveImportRegisterValueConsumption><ra:BlockRegisterMatrixValue index=\"1\">121</ra:BlockRegisterMatrixValue>")]
    // GCS17, GCS18, GCS61: the Metering GetSampledDataResponse's samples, timed from its start by its interval (a day for GCS61).
    [InlineData("GCS17_4.8.1_SUCCESS_RESPONSE_GBCS.HEX", "<ra:LogEntry><ra:Timestamp>2014-12-30T00:00:00Z</ra:Timestamp><ra:Gas><ra:PrimaryValue>4767306</ra:PrimaryValue></ra:Gas></ra:LogEntry><ra:LogEntry><ra:Timestamp>2014-12-30T00:30:00Z</ra:Timestamp>")]
    [InlineData("GCS18_4.10_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Gas><ra:NetworkDataLog><ra:LogEntry><ra:Value>2</ra:Value><ra:Timestamp>2014-12-31T20:00:00Z</ra:Timestamp></ra:LogEntry><ra:LogEntry><ra:Value>0</ra:Value><ra:Timestamp>2014-12-31T20:06:00Z</ra:Timestamp>")]
    [InlineData("GCS61_4.17_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Gas><ra:LogEntry><ra:Value>48714</ra:Value><ra:Timestamp>2014-12-22T00:00:00Z</ra:Timestamp></ra:LogEntry><ra:LogEntry><ra:Value>17550</ra:Value><ra:Timestamp>2014-12-23T00:00:00Z</ra:Timestamp>")]
    // GCS15d: the Publish Debt Log's payment-based (Debt #3) collections.
    [InlineData("GCS15d_4.4.4_SUCCESS_RESPONSE_GBCS.HEX", "<ra:PaymentBasedDebtRepayment><ra:LogEntry><ra:Amount>163000</ra:Amount><ra:Timestamp>2014-12-01T00:00:00Z</ra:Timestamp></ra:LogEntry><ra:LogEntry><ra:Amount>151000</ra:Amount>")]
    // ECS21a: daily {time, active import, 48 TOU registers, 4 × 8 TOU block registers}; the twin's with its secondary element.
    [InlineData("ECS21a_4.6.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:LogEntry><ra:Timestamp>2014-03-09T00:00:00Z</ra:Timestamp><ra:Electricity><ra:ElecActiveImportRegisterConsumption>10435000</ra:ElecActiveImportRegisterConsumption><ra:TariffTOURegisterMatrixValue index=\"1\">81000</ra:TariffTOURegisterMatrixValue>")]
    [InlineData("ECS21a_4.6.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "<ra:TariffTOUBlock4RegisterMatrixValue index=\"1\">202000</ra:TariffTOUBlock4RegisterMatrixValue>")]
    [InlineData("ECS21a_4.6.1_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "<ra:ElecActiveImportRegisterConsumption>10434000</ra:ElecActiveImportRegisterConsumption><ra:SecondaryActiveImportRegisterConsumption>513000</ra:SecondaryActiveImportRegisterConsumption><ra:SecondaryTariffTOURegisterMatrixValue index=\"1\">15000</ra:SecondaryTariffTOURegisterMatrixValue>")]
    // GCS16a: a Publish Snapshot per day (Block Tier Information Set Delivered).
    [InlineData("GCS16a_4.6.1_SUCCESS_RESPONSE_GBCS.HEX", "<ra:LogEntry><ra:Timestamp>2014-12-30T09:00:00Z</ra:Timestamp><ra:Gas><ra:GasActiveImportRegisterConsumption>32</ra:GasActiveImportRegisterConsumption><ra:TariffBlockCounterMatrix index=\"1\">47</ra:TariffBlockCounterMatrix>")]
    [InlineData("GCS16a_4.6.1_SUCCESS_RESPONSE_GBCS.HEX", "<ra:TariffTOURegisterMatrix index=\"4\">3</ra:TariffTOURegisterMatrix></ra:Gas></ra:LogEntry>")]
    // GCS16b: a Publish Prepay Snapshot per day (Debt/Credit Status), negative balances included.
    [InlineData("GCS16b_4.14_KRP_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Gas><ra:LogEntry><ra:AccumulatedDebtRegister>130</ra:AccumulatedDebtRegister><ra:EmergencyCreditBalance>50</ra:EmergencyCreditBalance><ra:MeterBalance>66</ra:MeterBalance><ra:PaymentDebtRegister>202</ra:PaymentDebtRegister><ra:TimeDebtRegisters1>121</ra:TimeDebtRegisters1><ra:TimeDebtRegisters2>223</ra:TimeDebtRegisters2>")]
    [InlineData("GCS16b_4.14_KRP_SUCCESS_RESPONSE_GBCS.HEX", "<ra:EmergencyCreditBalance>-64</ra:EmergencyCreditBalance><ra:MeterBalance>-181</ra:MeterBalance>")]
    // GCS15b and GCS15c: the billing data logs' Metering snapshots, then their Prepayment snapshots.
    [InlineData("GCS15b_4.4.2_SUCCESS_RESPONSE_GBCS.HEX", "<ra:Gas><ra:LogEntryConsumptionRegister><ra:ConsumptionRegister>144</ra:ConsumptionRegister><ra:Timestamp>2014-12-01T00:00:00Z</ra:Timestamp><ra:TariffTOURegisterMatrixValue index=\"1\">108</ra:TariffTOURegisterMatrixValue>")]
    [InlineData("GCS15b_4.4.2_SUCCESS_RESPONSE_GBCS.HEX", "<ra:BlockRegisterMatrixValue index=\"4\">240</ra:BlockRegisterMatrixValue></ra:LogEntryConsumptionRegister><ra:LogEntryPrepaymentData><ra:AccumulatedDebtRegister>130</ra:AccumulatedDebtRegister>")]
    [InlineData("GCS15c_4.4.3_SUCCESS_RESPONSE_GBCS.HEX", "<ra:GSMEBillingDataLogEntry><ra:Timestamp>2015-02-01T00:00:00Z</ra:Timestamp><ra:ActiveImportRegisterValueConsumption>65</ra:ActiveImportRegisterValueConsumption><ra:BlockRegisterMatrixValue index=\"1\">202</ra:BlockRegisterMatrixValue>")]
    [InlineData("GCS15c_4.4.3_SUCCESS_RESPONSE_GBCS.HEX", "</ra:GSMEBillingDataLogEntry><ra:GSMEBillingPrepaymentDataLogEntry><ra:AccumulatedDebtRegister>35</ra:AccumulatedDebtRegister>")]
    public void A_decrypted_payload_is_read_into_its_fields(string response, string expected)
    {
        Assert.Contains(expected, Squeezed(RenderWithKeys(response)), StringComparison.Ordinal);
    }

    /// <summary>The meter balance 4.3 reads (encrypted) is the one 4.18 reads (plain) from the same RTDS meter.</summary>
    [Theory]
    [InlineData("ECS19_4.3_SUCCESS_RESPONSE_GBCS.HEX", "ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX", "GCS60_4.18_SUCCESS_RESPONSE_GBCS.HEX")]
    public void The_meter_balance_of_the_decrypted_prepayment_registers_is_the_one_4_18_reads(string prepayValues, string meterBalance)
    {
        static string Balance(string xml) => System.Text.RegularExpressions.Regex.Match(xml, "<ra:MeterBalance>(-?[0-9]+)</ra:MeterBalance>").Groups[1].Value;
        var read = Balance(RenderWithKeys(meterBalance));
        Assert.NotEmpty(read);
        Assert.Equal(read, Balance(RenderWithKeys(prepayValues)));
    }

    [Theory]
    [InlineData("GCS13a_4.1.1_ERROR_RESPONSE_GBCS.HEX")]
    [InlineData("GCS13b_4.1.4_ERROR_RESPONSE_GBCS.HEX")]
    [InlineData("GCS13c_4.1.2_ERROR_RESPONSE_GBCS.HEX")]
    public void A_decrypted_attribute_that_failed_makes_the_response_unsuccessful_and_leaves_the_value_out(string response)
    {
        var xml = RenderWithKeys(response);
        Assert.Contains("MessageSuccess=\"false\"", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("Value", xml.Split("<ra:DebugInfo>")[0].Split("<ra:SMETSData>")[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_whose_MAC_does_not_verify_is_not_rendered_and_the_error_says_so()
    {
        var bytes = Rtds.Read(Rtds.ResponsesAndAlerts().Single(f => Rtds.Name(f) == "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"));
        bytes[^1] ^= 0x01; // the last octet of the MAC
        var e = Assert.Throws<GbcsParseException>(() => MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, Security.Value));
        Assert.Contains("MAC does not verify", e.Error.Expected, StringComparison.Ordinal);
    }
}
