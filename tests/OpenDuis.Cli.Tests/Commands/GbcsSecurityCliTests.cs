using System.Net;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Gbcs;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.TestSupport;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary><c>openduis gbcs verify</c> and <c>openduis gbcs sign</c> as separate processes, on RTDS 4.5.0 messages and the ZAZ1 test PKI, with good and bad input.</summary>
public sealed class GbcsSecurityCliTests : IAsyncDisposable
{
    private readonly OpenduisProcesses _cli = new("openduis-gbcs-");
    private const string Supplier = "90-B3-D5-1F-30-01-00-00";

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private static string Keys => RepoPaths.ReferencePath("rtds-gbcs", "keystore");

    private static string Rtds(string folder, string file) => RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0", folder, file);

    private static string Response => Rtds("4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX");
    private static string PreCommand => Rtds("1.1.1_ECS01a", "ECS01a_1.1.1_IMMEDIATE_ERROR_PRECOMMAND_GBCS.HEX");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_cli.Data, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Hex(string path) => File.ReadAllText(path).Trim();

    [Fact]
    public async Task Verify_checks_the_MAC_and_decrypts_an_RTDS_response_given_as_hex_base64_or_DUIS_XML()
    {
        var (code, output) = await _cli.RunAsync("gbcs", "verify", "--keys", Keys, Response);
        Assert.True(code == 0, output);
        Assert.Contains("MAC: Valid", output);
        Assert.Contains("encryption: Valid", output);

        var base64 = Convert.ToBase64String(Convert.FromHexString(Hex(Response)));
        (code, output) = await _cli.RunAsync("gbcs", "verify", "--keys", Keys, Write("r.b64", base64));
        Assert.True(code == 0, output);

        var xml = $"""<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"><sr:GBCSPayload>{base64}</sr:GBCSPayload></sr:Response>""";
        (code, output) = await _cli.RunAsync("gbcs", "verify", "--keys", Keys, Write("r.xml", xml));
        Assert.True(code == 0, output);
        Assert.Contains("MAC: Valid", output);
    }

    [Fact]
    public async Task Verify_fails_with_3_when_one_octet_is_changed()
    {
        var bytes = Convert.FromHexString(Hex(Response));
        bytes[^20] ^= 1;
        var (code, output) = await _cli.RunAsync("gbcs", "verify", "--keys", Keys, Write("changed.hex", Convert.ToHexString(bytes)));
        Assert.Equal(3, code);
        Assert.Contains("MAC: Invalid", output);
    }

    [Fact]
    public async Task Verify_names_a_missing_certificate_with_5()
    {
        var keys = Directory.CreateDirectory(Path.Combine(_cli.Data, "keys")).FullName;
        foreach (var f in new[] { "90b3d51f30010000-ka.pem", "90b3d51f30010000-ka.key" })
            File.Copy(Path.Combine(Keys, f), Path.Combine(keys, f));
        var (code, output) = await _cli.RunAsync("gbcs", "verify", "--keys", keys, Response);
        Assert.Equal(5, code);
        Assert.Contains("no key-agreement certificate for 00-DB-12-34-56-78-90-A0", output);
    }

    [Theory]
    [InlineData("DF0901", "ends after 3 octets")]
    [InlineData("DF090", "odd number")]
    [InlineData("not gbcs at all!", "character '!' at 12")]
    [InlineData("<sr:Response xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\"/>", "carries no sr:GBCSPayload")]
    [InlineData("<unclosed>", "XML is refused")]
    public async Task Verify_refuses_bad_input_with_2_and_one_line_saying_what_and_where(string input, string expected)
    {
        var (code, output) = await _cli.RunAsync("gbcs", "verify", "--keys", Keys, Write("bad.txt", input));
        Assert.Equal(2, code);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task Verify_refuses_a_wrong_length_and_an_unknown_Message_Code()
    {
        var hex = Hex(Response); // DD 000000000000 81 AE 11 …: the ciphered content length is octet 8
        var (code, output) = await _cli.RunAsync("gbcs", "verify", "--keys", Keys, Write("long.hex", hex + "00"));
        Assert.Equal(2, code);
        Assert.Contains("ciphered content length", output);

        var bytes = Convert.FromHexString(hex);
        // MAC header (14), then 0xDF, 0x09, CRA Flag and counter, two system titles, the date-time, the other-information length
        var codeAt = 14 + 2 + 9 + 9 + 9 + 13 + 1;
        bytes[codeAt] = 0x77;
        bytes[codeAt + 1] = 0x77;
        (code, output) = await _cli.RunAsync("gbcs", "verify", "--keys", Keys, Write("code.hex", Convert.ToHexString(bytes)));
        Assert.Equal(2, code);
        Assert.Contains("Message Code 0x7777", output);
    }

    [Fact]
    public async Task Sign_makes_a_Signed_Pre_Command_that_verifies_with_the_Users_certificate()
    {
        var (code, signed) = await _cli.RunAsync("gbcs", "sign", "--keys", Keys, "--as", Supplier, PreCommand);
        Assert.True(code == 0, signed);
        Assert.StartsWith(Hex(PreCommand), signed.Trim());
        Assert.Equal(Hex(PreCommand).Length + 2 + 128, signed.Trim().Length);
        var (verified, output) = await _cli.RunAsync("gbcs", "verify", "--keys", Keys, Write("signed.hex", signed));
        Assert.True(verified == 0, output);
        Assert.Contains($"signature: Valid: signature valid ({Supplier} DS)", output);
    }

    /// <summary>Without --keys, the key folder is the data folder's, as for sign, verify and send: signed with the demo Supplier's key.</summary>
    [Fact]
    public async Task Sign_and_verify_use_the_data_folders_keys_when_no_key_folder_is_given()
    {
        var (init, initOut, initErr) = await _cli.RunOnDataAsync("init");
        Assert.True(init == 0, initOut + initErr);
        var (code, signed) = await _cli.RunAsync("gbcs", "sign", "--data", _cli.Data, "--as", Supplier, PreCommand);
        Assert.True(code == 0, signed);
        var message = GbcsMessage.Read(Convert.FromHexString(signed.Trim()));
        Assert.Equal(64, message.Signature!.Value.Length);
    }

    /// <summary>A --data that is not a data folder is refused (exit 10, naming openduis init), not taken as "no keys".</summary>
    [Fact]
    public async Task Verify_without_keys_on_a_folder_that_is_not_a_data_folder_is_refused_with_10()
    {
        var missing = Path.Combine(_cli.Data, "not-a-data-folder");
        var (code, output) = await _cli.RunAsync("gbcs", "verify", "--data", missing, Response);
        Assert.True(code == 10, output);
        Assert.Contains("openduis init", output);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task Send_takes_a_Critical_request_from_Transform_to_the_devices_signed_response()
    {
        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: TestContext.Current.CancellationToken);
        var (code, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _cli.Data);
        Assert.True(code == 0, output);

        (code, output) = await _cli.RunAsync("send", "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS", "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates, "--data", _cli.Data);
        Assert.True(code == 0, output);
        Assert.Contains("sr:PreCommand", output);
        Assert.Contains("signed with 90-B3-D5-1F-30-01-00-00's GBCS digital-signing key", output);
        Assert.Contains("CV 5", output);
        Assert.Contains("← I99", output);

        // The device executed it (its signature check passed) and answered with a Device-signed response.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var doc = new XmlDocument();
        doc.LoadXml(Encoding.UTF8.GetString((await listener.Received.ReadAsync(timeout.Token)).Body));
        var response = DuisResponse.Read(doc);
        Assert.Equal(ResponseBodyKind.ResponseMessage, response.BodyKind);
        var gbcs = GbcsMessage.Read(Convert.FromBase64String(response.Message!.Payload!.InnerText));
        Assert.Equal(CraFlag.Response, gbcs.Cra);
        Assert.Equal(64, gbcs.Signature!.Value.Length);
        Assert.Null(gbcs.Mac);
    }

    /// <summary>
    /// A ZAZ1 key folder that gives the Supplier no key-agreement key: init issues it a demo one (the ZAZ1 folder is left as
    /// it is), so the Devices' MACs to it verify. send --wait receives the device's answer at the Supplier's endpoint and
    /// prints its verdicts; listen prints them for every message it receives.
    /// </summary>
    [Fact]
    public async Task Send_waits_for_the_devices_verified_answer_and_listen_prints_each_GBCS_verdict_for_a_User_ZAZ1_gives_no_KA_key()
    {
        var zaz1 = Directory.CreateTempSubdirectory("openduis-zaz1-no-ka-").FullName;
        try
        {
            foreach (var file in Directory.EnumerateFiles(RepoPaths.Keystore)) File.Copy(file, Path.Combine(zaz1, Path.GetFileName(file)));
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(zaz1, "zaz1-keystore.json")))!.AsObject();
            Assert.True(json["90b3d51f30010000"]!.AsObject().Remove("keyAgreement"));
            File.WriteAllText(Path.Combine(zaz1, "zaz1-keystore.json"), json.ToJsonString());
            var before = Directory.EnumerateFiles(zaz1).Order().ToList();

            var (exit, initOut, initErr) = await _cli.RunOnDataAsync("init", "--zaz1", zaz1);
            Assert.True(exit == 0, initOut + initErr);
            Assert.Single(Directory.EnumerateFiles(_cli.Data, "role-*-90B3D51F30010000-ka.key", SearchOption.AllDirectories));
            Assert.Equal(before, Directory.EnumerateFiles(zaz1).Order().ToList());

            var port = OpenduisProcesses.FreePort();
            await _cli.ServeAsync(port);
            var endpoint = $"http://127.0.0.1:{OpenduisProcesses.FreePort()}/";
            var (code, output) = await _cli.RunAsync("users", "endpoint", Supplier, endpoint, "--data", _cli.Data);
            Assert.True(code == 0, output);
            string[] Send(string template, params string[] extra) =>
                ["send", template, "--as", Supplier, "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates, "--data", _cli.Data, .. extra];

            // A read GBCS encrypts: MAC'd for the Supplier with its demo KA key, the registers encrypted for it.
            (code, output) = await _cli.RunAsync(Send("ECS17b_4.1.1_SINGLE_SUCCESS", "--wait", "30"));
            Assert.True(code == 0, output);
            Assert.Contains("⇐ I0", output);
            Assert.Matches(@"GBCS 0x0027 Response from 00-DB-12-34-56-78-90-A0 to 90-B3-D5-1F-30-01-00-00, counter \d+: MAC verified; encrypted payload decrypted", output);

            // A Critical command end to end: Transform, the Signed Pre-Command, the Device-signed answer.
            (code, output) = await _cli.RunAsync(Send("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS", "--wait", "30"));
            Assert.True(code == 0, output);
            Assert.Contains("CV 5", output);
            Assert.Matches(@"GBCS 0x00\w\w Response from 00-DB-12-34-56-78-90-A0 to 90-B3-D5-1F-30-01-00-00, counter \d+: Device signature verified", output);

            // listen holds the endpoint: it prints the verdicts, and send --wait says where the answer went.
            var listen = _cli.Start("listen", "--port", new Uri(endpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", _cli.Data);
            await ListenCommandTests.ReadUntilAsync(listen, "Listening on ");
            (code, output) = await _cli.RunAsync(Send("ECS17b_4.1.1_SINGLE_SUCCESS", "--wait", "5"));
            Assert.Equal(1, code);
            Assert.Contains("--wait: cannot listen on", output);
            (code, output) = await _cli.RunAsync(Send("ECS17b_4.1.1_SINGLE_SUCCESS"));
            Assert.True(code == 0, output);
            Assert.Contains(": MAC verified; encrypted payload decrypted", await ListenCommandTests.ReadUntilAsync(listen, "GBCS 0x0027"));
        }
        finally
        {
            Directory.Delete(zaz1, true);
        }
    }

    [Fact]
    public async Task Sign_refuses_another_Users_Pre_Command_a_response_and_a_User_without_a_key()
    {
        var (code, output) = await _cli.RunAsync("gbcs", "sign", "--keys", Keys, "--as", "90-B3-D5-1F-30-02-00-00", PreCommand);
        Assert.Equal(2, code);
        Assert.Contains("originator is 90-B3-D5-1F-30-01-00-00", output);

        (code, output) = await _cli.RunAsync("gbcs", "sign", "--keys", Keys, "--as", Supplier, Response);
        Assert.Equal(2, code);
        Assert.Contains("not a Pre-Command", output);

        var empty = Directory.CreateDirectory(Path.Combine(_cli.Data, "nokeys")).FullName;
        (code, output) = await _cli.RunAsync("gbcs", "sign", "--keys", empty, "--as", Supplier, PreCommand);
        Assert.Equal(5, code);
        Assert.Contains($"no GBCS digital-signing private key for {Supplier}", output);

        (code, output) = await _cli.RunAsync("gbcs", "sign", "--keys", Keys, "--as", "nobody", PreCommand);
        Assert.Equal(1, code);
    }
}
