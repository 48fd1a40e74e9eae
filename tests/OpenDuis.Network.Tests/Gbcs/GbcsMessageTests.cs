using OpenDuis.Gbcs;
using OpenDuis.Network.Devices;
using OpenDuis.Network.Gbcs;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.TestSupport;

namespace OpenDuis.Network.Tests.Gbcs;

/// <summary>The GBCS message encoding (GBCS 4.3) against the RTDS 4.5.0 commands, pre-commands and responses.</summary>
public sealed class GbcsMessageTests
{
    internal static string RtdsFolder => RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0");

    private static IEnumerable<(string Name, byte[] Bytes)> RtdsFiles() =>
        Directory.EnumerateFiles(RtdsFolder, "*_GBCS.HEX", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(RtdsFolder, f), Convert.FromHexString(File.ReadAllText(f).Trim())));

    [Fact]
    public void Every_RTDS_General_Signing_message_reads_and_writes_back_byte_for_byte()
    {
        var read = 0;
        var failures = new List<string>();
        foreach (var (name, bytes) in RtdsFiles())
        {
            if (bytes[0] is not (0xDD or 0xDF)) continue; // General Block Transfer and other framings are not General Signing messages
            if (!GbcsMessage.TryRead(bytes, out var message, out var problem)) { failures.Add($"{name}: {problem}"); continue; }
            read++;
            if (!message.Write().AsSpan().SequenceEqual(bytes)) failures.Add($"{name}: written back differently: {Convert.ToHexString(message.Write())}");
            if ((bytes[0] == 0xDD) != (message.Mac is not null)) failures.Add($"{name}: MAC header not recognised");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
        Assert.True(read > 500, $"only {read} RTDS messages read");
    }

    [Fact]
    public void RTDS_commands_carry_the_Message_Code_the_catalogue_gives_their_use_case()
    {
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var dir in Directory.EnumerateDirectories(RtdsFolder))
        {
            // Folders are named "<variant>_<use case>", e.g. "4.1.1_ECS17b".
            var folder = Path.GetFileName(dir);
            var split = folder.IndexOf('_');
            if (split < 0 || !ServiceReferenceVariant.TryParse(folder[..split], out var variant) || !ServiceCatalogue.TryGet(variant, out var definition)) continue;
            var useCase = definition.Gbcs.FirstOrDefault(g => g.UseCase == folder[(split + 1)..]);
            if (useCase is null || useCase.MessageCodes.Count == 0) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*_COMMAND_GBCS.HEX"))
            {
                var bytes = Convert.FromHexString(File.ReadAllText(file).Trim());
                if (!GbcsMessage.TryRead(bytes, out var message, out _)) continue;
                checkedCount++;
                Assert.Equal(CraFlag.Command, message.Cra);
                if (!useCase.MessageCodes.Contains(message.MessageCode))
                    failures.Add($"{folder}/{Path.GetFileName(file)}: 0x{message.MessageCode:X4}, catalogue {useCase}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedCount > 100, $"only {checkedCount} commands checked");
    }

    [Fact]
    public void Read_Instantaneous_Import_Registers_response_header_is_the_RTDS_ECS17b_one()
    {
        var rtds = GbcsMessage.Read(Convert.FromHexString(File.ReadAllText(Path.Combine(RtdsFolder, "4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")).Trim()));
        Assert.Equal(CraFlag.Response, rtds.Cra);
        Assert.Equal((ushort)0x0027, rtds.MessageCode);
        Assert.Equal(Eui.Parse("00-DB-12-34-56-78-90-A0"), rtds.Originator);
        Assert.Equal(Eui.Parse("90-B3-D5-1F-30-01-00-00"), rtds.Recipient);
        Assert.Equal(1000UL, rtds.OriginatorCounter);
        Assert.Equal(new DateTimeOffset(2015, 1, 1, 0, 0, 0, TimeSpan.Zero), rtds.DateTime);

        var ours = rtds with { Content = rtds.Content };
        Assert.Equal(rtds.Write(), ours.Write());
    }

    [Fact]
    public void Export_registers_content_is_laid_out_as_the_RTDS_ECS17a_response()
    {
        var rtds = GbcsMessage.Read(Convert.FromHexString(File.ReadAllText(Path.Combine(RtdsFolder, "4.2_ECS17a", "ECS17a_4.2_SUCCESS_RESPONSE_GBCS.HEX")).Trim()));
        // The RTDS meter reports 10 Wh active and 20 varh reactive export.
        var ours = Dlms.AccessResponseOf(rtds.OriginatorCounter, Dlms.Unsigned32(10), Dlms.ScalerUnit(0, Dlms.Wh), Dlms.Unsigned32(20), Dlms.ScalerUnit(0, Dlms.Varh));
        Assert.Equal(Convert.ToHexString(rtds.Content.Span), Convert.ToHexString(ours));
    }

    [Fact]
    public void Protected_import_registers_are_laid_out_as_the_RTDS_ECS17b_response_and_encrypted_for_the_recipient()
    {
        var wire = Convert.FromHexString(File.ReadAllText(Path.Combine(RtdsFolder, "4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")).Trim());
        var rtds = GbcsMessage.Read(wire);
        Assert.True(GbcsMessageCodes.IsEncrypted(rtds.MessageCode));
        var keys = OpenDuis.Gbcs.Security.GbcsKeyring.Load(RepoPaths.ReferencePath("rtds-gbcs", "keystore"));
        var plaintext = Assert.Single(new OpenDuis.Gbcs.Security.GbcsVerifier(keys, Eui.Parse("90-B3-D5-1F-30-00-00-02")).Verify(wire, rtds).Plaintexts);

        // The RTDS meter reports 10 Wh active and 10 varh reactive import (scaler 0, units Wh and varh).
        var ours = Dlms.ProtectedAccessResponseOf(rtds.OriginatorCounter, rtds.Originator, rtds.Recipient,
            Dlms.Unsigned32(10), Dlms.ScalerUnit(0, Dlms.Wh), Dlms.Unsigned32(10), Dlms.ScalerUnit(0, Dlms.Varh));
        var (offset, length) = Assert.Single(OpenDuis.Gbcs.Security.GbcsEncryptedPayloads.Find(rtds with { Content = ours }));
        Assert.Equal(Convert.ToHexString(rtds.Content.Span[..offset]), Convert.ToHexString(ours.AsSpan(0, offset)));
        Assert.Equal(Convert.ToHexString(rtds.Content.Span[(offset + length)..]), Convert.ToHexString(ours.AsSpan(offset + length)));
        Assert.Equal(Convert.ToHexString(plaintext), Convert.ToHexString(ours.AsSpan(offset + 5, length - 17)));

        // Sent by an emulated ESME (the RTDS PKI publishes no ESME private key: one of its own), the recipient decrypts it with its own key.
        var esme = Eui.Parse("00-DB-12-34-56-78-CA-01");
        var devices = new GeneratedDeviceCredentials();
        var acb = Eui.Parse("90-B3-D5-1F-30-00-00-02");
        var message = rtds with { Originator = esme, Content = Dlms.ProtectedAccessResponseOf(rtds.OriginatorCounter, esme, rtds.Recipient,
            Dlms.Unsigned32(10), Dlms.ScalerUnit(0, Dlms.Wh), Dlms.Unsigned32(10), Dlms.ScalerUnit(0, Dlms.Varh)) };
        var sent = new DeviceGbcsSecurity(keys, devices, acb).FromDevice(message, toCriticalCommand: false);
        var verified = new OpenDuis.Gbcs.Security.GbcsVerifier(OpenDuis.Gbcs.Security.GbcsKeyring.Load(RepoPaths.ReferencePath("rtds-gbcs", "keystore"), devices), acb)
            .Verify(sent, GbcsMessage.Read(sent));
        Assert.Equal(OpenDuis.Gbcs.Security.GbcsVerdict.Valid, verified.Mac.Verdict);
        Assert.Equal(OpenDuis.Gbcs.Security.GbcsVerdict.Valid, Assert.Single(verified.Encrypted).Verdict);
        Assert.Equal(Convert.ToHexString(plaintext), Convert.ToHexString(Assert.Single(verified.Plaintexts)));
        Assert.DoesNotContain(Convert.ToHexString(plaintext), Convert.ToHexString(sent));
    }

    /// <summary>
    /// ECS19: the RTDS meter's balance is 250000 with emergency credit and debts; the emulated ESME's are zero. Otherwise octet
    /// for octet the same: structure {structure of six double-long}, the meter balance first.
    /// </summary>
    [Fact]
    public void The_emulated_ESME_s_4_3_answer_is_laid_out_as_the_RTDS_ECS19_response_and_the_User_reads_its_balance_with_its_keys() =>
        AssertPrepaymentAnswer("4.3_ECS19/ECS19_4.3_SUCCESS_RESPONSE_GBCS.HEX", DeviceType.ESME, 250_000,
            (rtds, state) => Dlms.ProtectedAccessResponseOf(rtds.OriginatorCounter, state.Id, rtds.Recipient, DeviceBehaviour.PrepaymentBalances(state)),
            expected => { for (var item = 1; item < 6; item++) expected.AsSpan(5 + 5 * item, 4).Clear(); });

    /// <summary>
    /// GCS14: the RTDS meter's credit remaining is 2500000 with emergency credit and debts; the emulated GSME's are zero. Otherwise
    /// octet for octet the same (its ZCL sequence numbers 0 and 1): the Price cluster's trailing digit and currency (GBP, five decimal
    /// places, the default tariff's price scale), then the Prepayment cluster's six attributes, encrypted.
    /// </summary>
    [Fact]
    public void The_emulated_GSME_s_4_3_answer_is_laid_out_as_the_RTDS_GCS14_response_and_the_User_reads_its_balance_with_its_keys() =>
        AssertPrepaymentAnswer("4.3_GCS14/GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX", DeviceType.GSME, 2_500_000,
            (rtds, state) => Zcl.PrepaymentValues(0, state.Prices, state.Prepayment),
            expected => { foreach (var record in (int[])[0, 1, 3, 4, 5]) expected.AsSpan(8 * record + 4, 4).Clear(); });

    /// <summary>
    /// The emulated meter's 4.3 content (<paramref name="content"/>) for a Device holding <paramref name="balance"/> is the RTDS response's
    /// outside its encrypted payload, and inside it the RTDS plaintext with the registers the emulated meter holds at zero cleared
    /// (<paramref name="clearZeroRegisters"/>); sent by an emulated meter of its own keys, the User parses it with its keys to the balance.
    /// </summary>
    private static void AssertPrepaymentAnswer(string rtdsFile, DeviceType type, long balance, Func<GbcsMessage, DeviceState, byte[]> content,
        Action<byte[]> clearZeroRegisters)
    {
        var wire = Convert.FromHexString(File.ReadAllText(Path.Combine(RtdsFolder, rtdsFile)).Trim());
        var rtds = GbcsMessage.Read(wire);
        Assert.True(GbcsMessageCodes.IsEncrypted(rtds.MessageCode));
        var keystore = RepoPaths.ReferencePath("rtds-gbcs", "keystore");
        var keys = OpenDuis.Gbcs.Security.GbcsKeyring.Load(keystore);
        var acb = Eui.Parse("90-B3-D5-1F-30-00-00-02");
        var plaintext = Assert.Single(new OpenDuis.Gbcs.Security.GbcsVerifier(keys, acb).Verify(wire, rtds).Plaintexts);

        var state = new DeviceState { Id = rtds.Originator, Type = type, Generation = DeviceGeneration.Smets2Plus, MeterBalance = balance };
        var ours = content(rtds, state);
        var (offset, length) = Assert.Single(OpenDuis.Gbcs.Security.GbcsEncryptedPayloads.Find(rtds with { Content = ours }));
        Assert.Equal(Convert.ToHexString(rtds.Content.Span[..offset]), Convert.ToHexString(ours.AsSpan(0, offset)));
        Assert.Equal(Convert.ToHexString(rtds.Content.Span[(offset + length)..]), Convert.ToHexString(ours.AsSpan(offset + length)));
        var expected = (byte[])plaintext.Clone();
        clearZeroRegisters(expected);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(ours.AsSpan(offset + 5, length - 17)));

        // Sent by an emulated meter (the RTDS PKI publishes no meter's private key: one of its own), encrypted for the User, who
        // parses it with its own keys and the Device's certificates.
        var meter = Eui.Parse("00-DB-12-34-56-78-CA-01");
        var devices = new GeneratedDeviceCredentials();
        var message = rtds with { Originator = meter, Content = content(rtds, state with { Id = meter, MeterBalance = -1234 }) };
        var sent = new DeviceGbcsSecurity(keys, devices, acb).FromDevice(message, toCriticalCommand: false);
        Assert.DoesNotContain(Convert.ToHexString(BitConverter.GetBytes(-1234)), Convert.ToHexString(GbcsMessage.Read(sent).Content.Span));
        var xml = OpenDuis.Gbcs.Mmc.MmcRenderer.Render(OpenDuis.Gbcs.Parse.GbcsParser.Parse(sent), sent,
            new OpenDuis.Gbcs.Mmc.GbcsKeySecurity(OpenDuis.Gbcs.Security.GbcsKeyring.Load(keystore, devices)));
        Assert.Contains("<ra:EmergencyCreditBalance>0</ra:EmergencyCreditBalance><ra:AccumulatedDebtRegister>0</ra:AccumulatedDebtRegister>"
            + "<ra:PaymentDebtRegister>0</ra:PaymentDebtRegister><ra:TimeDebtRegister1>0</ra:TimeDebtRegister1><ra:TimeDebtRegister2>0</ra:TimeDebtRegister2>"
            + "<ra:MeterBalance>-1234</ra:MeterBalance>", System.Text.RegularExpressions.Regex.Replace(xml, @">\s+<", "><"), StringComparison.Ordinal);
        var document = new System.Xml.XmlDocument();
        document.LoadXml(xml);
        var valid = OpenDuis.Protocol.Schema.DuisSchemas.Load(RepoPaths.ReferencePath("duis-xsd")).Validate(document, DuisSchemaVersion.V5_4);
        Assert.True(valid.IsValid, $"{valid}\n{xml}");
    }

    [Theory]
    [InlineData("", "the message does not start with a General Signing header (0xDF)")]
    [InlineData("DF0A", "the Transaction ID is not 9 octets")]
    [InlineData("DF0907", "CRA Flag 0x07 is not Command, Response or Alert")]
    [InlineData("DD0100000000000000", "the General Ciphering header's fields are not empty as GBCS 4.3.2 requires")]
    [InlineData("DD000000000000201100000000", "the ciphered content length 32 does not match the 5 octets that follow")]
    [InlineData("DF09010000000000000001080000000000000001080000000000000002000200", "the message ends after 32 octets, before the end its declared lengths give")]
    [InlineData("DF0901000000000000000108000000000000000108000000000000000200020027000001AA", "2 octets follow the signature")]
    [InlineData("DF0901000000000000000108000000000000000108000000000000000207", "the date-time is neither absent nor 12 octets")]
    [InlineData("DF0901000000000000000107", "the originator system title is not 8 octets")]
    public void A_malformed_message_is_refused_with_the_reason(string hex, string reason)
    {
        Assert.False(GbcsMessage.TryRead(Convert.FromHexString(hex), out _, out var problem));
        Assert.Equal(reason, problem);
    }

    [Fact]
    public void Long_content_uses_the_two_octet_BER_length()
    {
        var message = new GbcsMessage(CraFlag.Response, 7, Eui.Parse("00-DB-12-34-56-78-90-A0"), Eui.Parse("90-B3-D5-1F-30-01-00-00"),
            new DateTimeOffset(2026, 11, 25, 14, 0, 0, TimeSpan.Zero), 0x0027, new byte[300], ReadOnlyMemory<byte>.Empty, new GbcsMac(5, new byte[12]));
        var read = GbcsMessage.Read(message.Write());
        Assert.Equal(300, read.Content.Length);
        Assert.Equal(message.DateTime, read.DateTime);
        Assert.Equal(5u, read.Mac!.InvocationCounter);
        Assert.Equal(message.Write(), read.Write());
    }
}
