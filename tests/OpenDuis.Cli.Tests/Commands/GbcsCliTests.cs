using System.Diagnostics;
using System.Text;
using OpenDuis.Core.Demo;
using OpenDuis.TestSupport;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary>
/// <c>openduis parse</c>, <c>openduis correlate</c> and <c>openduis listen --parse</c> as separate
/// processes, on RTDS 4.5.0 messages and on bad input.
/// </summary>
public sealed class GbcsCliTests : IAsyncLifetime
{
    private readonly OpenduisProcesses _cli = new("openduis-gbcs-cli-");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Rtds(string folder, string file) => RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0", folder, file);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_cli.Data, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static byte[] Bytes(string path) => Convert.FromHexString(File.ReadAllText(path).Trim());

    [Fact]
    public async Task Parse_prints_the_MMC_document_of_a_hex_file()
    {
        var (code, output) = await _cli.RunAsync("parse", Rtds("7.4_ECS45", "ECS45_7.4_SUCCESS_RESPONSE_GBCS.HEX"));
        Assert.True(code == 0, output);
        Assert.Contains("<ra:GBCSResponse xmlns:ra=\"http://www.dccinterface.co.uk/ResponseAndAlert\" schemaVersion=\"5.4\">", output, StringComparison.Ordinal);
        Assert.Contains("<ra:SupplyState>Enabled</ra:SupplyState>", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_reads_base64_and_a_DUIS_Service_Response_holding_the_payload()
    {
        var alert = Bytes(Rtds("NA_ECS100", "ECS100_NA_8F85_ALERT_GBCS.HEX"));
        var (code, output) = await _cli.RunAsync("parse", Write("alert.b64", Convert.ToBase64String(alert)));
        Assert.True(code == 0, output);
        Assert.Contains("<ra:GBCSHexAlertCode>8F85</ra:GBCSHexAlertCode>", output, StringComparison.Ordinal);

        var response = Bytes(Rtds("7.4_ECS45", "ECS45_7.4_SUCCESS_RESPONSE_GBCS.HEX"));
        var duis = Write("response.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sr:Response xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\" schemaVersion=\"5.4\">" +
            "<sr:Header><sr:ResponseCode>I0</sr:ResponseCode></sr:Header><sr:Body><sr:ResponseMessage><sr:GBCSPayload>" +
            Convert.ToBase64String(response) + "</sr:GBCSPayload></sr:ResponseMessage></sr:Body></sr:Response>");
        (code, output) = await _cli.RunAsync("parse", duis);
        Assert.True(code == 0, output);
        Assert.Contains("<ra:ReadSupplyStatusRsp MessageSuccess=\"true\">", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_renders_a_DUIS_Service_Response_for_the_variant_it_states()
    {
        // Message Code 0x0102 serves 6.15.1 and 6.21: the ServiceReferenceVariant beside the payload chooses.
        var response = Bytes(Rtds("6.21_CS02bSupplierBySupplierHandover", "CS02bSupplierBySupplierHandover_6.21_SUCCESS_RESPONSE_GBCS.HEX"));
        string Duis(string variant) =>
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sr:Response xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\" schemaVersion=\"5.4\">" +
            "<sr:Header><sr:ResponseCode>I0</sr:ResponseCode></sr:Header><sr:Body><sr:ResponseMessage><sr:ServiceReference>" + variant[..variant.LastIndexOf('.')] +
            "</sr:ServiceReference><sr:ServiceReferenceVariant>" + variant + "</sr:ServiceReferenceVariant><sr:GBCSPayload>" +
            Convert.ToBase64String(response) + "</sr:GBCSPayload></sr:ResponseMessage></sr:Body></sr:Response>";
        var (code, output) = await _cli.RunAsync("parse", Write("handover.xml", Duis("6.21")));
        Assert.True(code == 0, output);
        Assert.Contains("<ra:RequestHandoverOfDCCControlledDeviceRsp>", output, StringComparison.Ordinal);

        (code, output) = await _cli.RunAsync("parse", Write("wrong.xml", Duis("4.1.1")));
        Assert.Equal(2, code);
        Assert.Contains("serving SR 4.1.1", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "the input is empty")]
    [InlineData("not GBCS at all!", "neither hex, base64 nor a DUIS message")]
    [InlineData("<sr:Response xmlns:sr=\"x\"><sr:Body/></sr:Response>", "no GBCSPayload")]
    [InlineData("<unclosed", "not well-formed XML")]
    [InlineData("DF0902000000", "at octet 3: expected the originator counter")]
    public async Task Parse_refuses_bad_input_with_one_sentence_and_exit_code_2(string content, string expected)
    {
        var (code, output) = await _cli.RunAsync("parse", Write("bad.txt", content));
        Assert.Equal(2, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_refuses_a_command()
    {
        var (code, output) = await _cli.RunAsync("parse", Rtds("7.4_ECS45", "ECS45_7.4_SUCCESS_COMMAND_GBCS.HEX"));
        Assert.Equal(2, code);
        Assert.Contains("expected a response or alert", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_with_keys_decrypts_and_refuses_a_message_whose_MAC_does_not_verify()
    {
        var keys = RepoPaths.ReferencePath("rtds-gbcs", "keystore");
        var response = Rtds("4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX");
        var (code, output) = await _cli.RunAsync("parse", "--keys", keys, response);
        Assert.True(code == 0, output);
        Assert.Contains("<ra:GBCSData format=\"plain\" sequence=\"0\" name=\"ECS17b\" type=\"dlms\">", output, StringComparison.Ordinal);

        var tampered = Bytes(response);
        tampered[^1] ^= 0x01;
        (code, output) = await _cli.RunAsync("parse", "--keys", keys, Write("tampered.hex", Convert.ToHexString(tampered)));
        Assert.Equal(2, code);
        Assert.Contains("MAC does not verify", output, StringComparison.Ordinal);

        (code, output) = await _cli.RunAsync("parse", "--keys", Path.Combine(_cli.Data, "no-such-folder"), response);
        Assert.Equal(1, code);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correlate_exits_0_on_a_match_and_3_with_the_offset_on_a_difference()
    {
        var pre = Rtds("1.5_GCS40a", "GCS40a_1.5_SUCCESS_PRECOMMAND_GBCS.HEX");
        var (code, output) = await _cli.RunAsync("correlate", pre, Rtds("1.5_GCS40a", "GCS40a_1.5_SUCCESS_COMMAND_GBCS.HEX"));
        Assert.True(code == 0, output);
        Assert.StartsWith("match", output, StringComparison.Ordinal);

        var changed = Bytes(Rtds("1.5_GCS40a", "GCS40a_1.5_SUCCESS_COMMAND_GBCS.HEX"));
        changed[^80] ^= 0x01; // in the content, before the 64-octet signature and 12-octet MAC
        (code, output) = await _cli.RunAsync("correlate", pre, Write("changed.hex", Convert.ToHexString(changed)));
        Assert.Equal(3, code);
        Assert.Contains("no match", output, StringComparison.Ordinal);
        Assert.Contains($"octet {changed.Length - 80} of the Signed Pre-Command", output, StringComparison.Ordinal);
        Assert.Contains("content", output, StringComparison.Ordinal);

        (code, output) = await _cli.RunAsync("correlate", pre, Write("garbage.txt", "zz"));
        Assert.Equal(2, code);
        Assert.Contains("SIGNED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_with_parse_prints_the_MMC_document_beside_each_response()
    {
        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port);
        var (listenPort, listened) = await ListenAsync();

        var (code, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), $"http://127.0.0.1:{listenPort}/", "--data", _cli.Data);
        Assert.True(code == 0, output);
        (code, output) = await _cli.RunAsync("send", "ECS45_7.4_SUCCESS", "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates, "--data", _cli.Data);
        Assert.True(code == 0, output);

        var text = await listened.DocumentsAsync(1);
        Assert.Contains("→ 200", text, StringComparison.Ordinal);
        Assert.Contains("<ra:ReadSupplyStatusRsp", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_prints_the_S1SP_signature_verdict_and_with_parse_the_MMC_body_of_each_SMETS1_response_and_alert()
    {
        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port);
        var (listenPort, listened) = await ListenAsync();
        var (code, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), $"http://127.0.0.1:{listenPort}/", "--data", _cli.Data);
        Assert.True(code == 0, output);

        // 4.1.1 to the demo SMETS1 ESME, On Demand (CV 1), then the ESME's own alert raised through the admin API.
        var smets1Esme = "00-DB-12-34-56-78-91-A0";
        var request = File.ReadAllText(Path.Combine(RepoPaths.Templates, "ECS17b_4.1.1_REQUEST_DUIS.XML"))
            .Replace(DemoEnvironment.Esme.ToString(), smets1Esme, StringComparison.Ordinal)
            .Replace("<sr:CommandVariant>2</sr:CommandVariant>", "<sr:CommandVariant>1</sr:CommandVariant>", StringComparison.Ordinal);
        (code, output) = await _cli.RunAsync("send", Write("smets1-4.1.1.xml", request), "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--data", _cli.Data);
        Assert.True(code == 0, output);
        (code, output) = await _cli.RunAsync("event", "raise", smets1Esme, "device-alert", "--alert-code", "0x8F35", "--server", $"http://127.0.0.1:{port}/");
        Assert.True(code == 0, output);
        Assert.Contains($"{smets1Esme}: device-alert -> 0x8F35 to {DemoEnvironment.Supplier}", output, StringComparison.Ordinal);

        var text = await listened.DocumentsAsync(2);
        Assert.True(System.Text.RegularExpressions.Regex.Count(text, "Smets1ResponseMessage .*\\(S1SP signature verified: [^)]*90-B3-D5-1F-30-00-01-01") == 2, text);
        Assert.Contains("<ra:GBCSResponse xmlns:ra=\"http://www.dccinterface.co.uk/ResponseAndAlert\" schemaVersion=\"5.4\"><ra:Header><ra:BusinessOriginatorID>" + smets1Esme,
            text, StringComparison.Ordinal);
        Assert.Contains("<ra:Body><ra:ResponseMessage><ra:SMETSData><ra:ReadInstantaneousImportRegistersRsp MessageSuccess=\"true\"><ra:Electricity>", text, StringComparison.Ordinal);
        Assert.Contains("<ra:Body><ra:DeviceAlertMessage><ra:DeviceAlertContent><ra:GBCSHexAlertCode>8F35</ra:GBCSHexAlertCode>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("S1SP signature refused", text, StringComparison.Ordinal);

        // openduis parse reads the SMETS1 response as received (as listen printed it) into the same MMC document.
        var received = text.Split('\n').First(l => l.Contains("<sr:SMETS1ResponseMessage>", StringComparison.Ordinal)
            && l.Contains("ReadInstantaneousImportRegistersRsp", StringComparison.Ordinal) && !l.Contains("GBCSResponse", StringComparison.Ordinal));
        (code, output) = await _cli.RunAsync("parse", Write("smets1-response.xml", received));
        Assert.True(code == 0, output);
        Assert.Contains("<ra:GBCSResponse xmlns:ra=\"http://www.dccinterface.co.uk/ResponseAndAlert\" schemaVersion=\"5.4\"><ra:Header><ra:BusinessOriginatorID>" + smets1Esme,
            output, StringComparison.Ordinal);
    }

    /// <summary>Starts <c>openduis listen --parse</c> on a free port and waits until it listens.</summary>
    private async Task<(int Port, ListenOutput Output)> ListenAsync()
    {
        var port = OpenduisProcesses.FreePort();
        var listen = _cli.Start("listen", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--parse", "--data", _cli.Data);
        var output = new ListenOutput();
        _ = Task.Run(async () =>
        {
            while (await listen.StandardOutput.ReadLineAsync(Ct) is { } line) output.Add(line);
        }, Ct);
        await output.Ready.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        return (port, output);
    }

    /// <summary>What <c>openduis listen</c> printed, and how many MMC documents so far.</summary>
    private sealed class ListenOutput
    {
        private readonly StringBuilder _text = new();
        private int _documents;
        public TaskCompletionSource Ready { get; } = new();

        public void Add(string line)
        {
            lock (_text)
            {
                _text.AppendLine(line);
                if (line.Contains("</ra:GBCSResponse>", StringComparison.Ordinal)) _documents++;
            }
            if (line.StartsWith("Listening on", StringComparison.Ordinal)) Ready.TrySetResult();
        }

        /// <summary>All printed once <paramref name="count"/> MMC documents have been (within 60 s).</summary>
        public async Task<string> DocumentsAsync(int count)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                lock (_text) if (_documents >= count) return _text.ToString();
                await Task.Delay(50, Ct);
            }
            lock (_text) throw new TimeoutException($"listen printed {_documents} of {count} MMC documents within 60 s:\n{_text}");
        }
    }
}
