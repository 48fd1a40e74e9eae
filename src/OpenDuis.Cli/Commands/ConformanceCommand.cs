using System.CommandLine;
using OpenDuis.Conformance;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Schema;
using OpenDuis.Server.Tls;
using OpenDuis.Storage;
using Spectre.Console;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis conformance --endpoint URL --report DIR</c>: runs the SEC Appendix R 8.1.26 Response Code
/// tests against a DUIS endpoint as each User and role given, writes JUnit XML and an HTML evidence page
/// into DIR and prints one line per role. Defaults fit an OpenDUIS serving the demo environment: its
/// per-role Users, its SMETS1 and SMETS2+ Devices and the data folder's keys. Exit codes: 0 no test
/// failed, 1 usage, 2 a test failed.
/// </summary>
internal static class ConformanceCommand
{
    public static Command Create()
    {
        var data = InitCommand.DataOption();
        var endpoint = new Option<string>("--endpoint")
        {
            Description = "The DUIS endpoint's base URL (requests go to /api/v1/service{S|T|D}).",
            DefaultValueFactory = _ => "http://127.0.0.1:8079",
        };
        var asUsers = new Option<string[]>("--as")
        {
            Description = "USER[:ROLE]: a User ID and the User Role it is tested in (IS, ES, GS, ED, GT, RSA, MDR, OU); repeatable. " +
                          "Default: the demo environment's User for each role.",
            AllowMultipleArgumentsPerToken = false,
        };
        var smets1 = new Option<string[]>("--smets1-device")
        {
            Description = "EUI[:TYPE]: a SMETS1 Device of the test environment (TYPE ESME, GSME, CHF, GPF…; ESME if left out); repeatable. " +
                          "The tests need an ESME, a GSME, a CHF and a GPF. Default: the demo environment's.",
        };
        var smets2 = new Option<string[]>("--smets2-device")
        {
            Description = "EUI[:TYPE]: a SMETS2+ Device of the test environment; repeatable. The tests need an ESME, a GSME and a CHF. Default: the demo environment's.",
        };
        var descope = new Option<string[]>("--descope")
        {
            Description = "REF[,REF…]: tests descoped with the DCC's agreement (reported as descoped, never as passed); needs --reason.",
        };
        var reason = new Option<string?>("--reason") { Description = "Why the --descope tests are descoped (e.g. the DCC's agreement reference)." };
        var report = new Option<DirectoryInfo>("--report") { Description = "Folder the JUnit XML and HTML reports are written to.", Required = true };
        var keys = new Option<string?>("--keys") { Description = "Key folder with the Users' xmlSign keys and the DSP's xmlSign certificate (default: the data folder's keys)." };
        var dspCertificate = new Option<string?>("--dsp-certificate")
        {
            Description = "PEM file of the DSP xmlSign certificate (role 0x89) answers must be signed with (default: the one in the key folder).",
        };
        var schemas = new Option<string?>("--schemas") { Description = "Folder of the official DUIS XSDs: answers are also validated against them." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each answer.", DefaultValueFactory = _ => 30 };
        var command = new Command("conformance", $"Run the {AppendixR.Clause} Response Code tests against a DUIS endpoint and write the evidence.")
        {
            endpoint, asUsers, smets1, smets2, descope, reason, report, keys, data, dspCertificate, schemas, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!Uri.TryCreate(parse.GetValue(endpoint), UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            {
                error.WriteLine($"--endpoint {parse.GetValue(endpoint)}: an absolute http or https URL is required.");
                return 1;
            }
            if (!TryParticipants(parse.GetValue(asUsers) ?? [], out var participants, out var problem)
                || !TryDevices(parse.GetValue(smets1) ?? [], DeviceGeneration.Smets1, out var s1Devices, out problem)
                || !TryDevices(parse.GetValue(smets2) ?? [], DeviceGeneration.Smets2Plus, out var s2Devices, out problem)
                || !TryDescoped(parse.GetValue(descope) ?? [], parse.GetValue(reason), out var descoped, out problem))
            {
                error.WriteLine(problem);
                return 1;
            }
            var seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                error.WriteLine($"--timeout {seconds}: a positive number of seconds is required.");
                return 1;
            }

            var folder = DataFolder.Resolve(parse.GetValue(data));
            var keyFolder = parse.GetValue(keys);
            KeyStore keyStore;
            if (keyFolder is null)
            {
                // The data folder's whole key set: beside ZAZ1 keys, the demo keys of the one-role Users ZAZ1 lacks.
                folder.EnsureInitialised();
                keyFolder = folder.ReadSettings().Keys ?? folder.DefaultKeysPath;
                keyStore = folder.LoadKeys();
            }
            else if (!Directory.Exists(keyFolder))
            {
                error.WriteLine($"--keys {keyFolder}: no such folder.");
                return 1;
            }
            else keyStore = KeyStore.Load(keyFolder);
            var dsp = keyStore.Certificates.Where(c => c.Role == RemotePartyRole.DspXmlSign).ToList();
            if (parse.GetValue(dspCertificate) is { } pem)
            {
                if (!TryReadDspCertificate(pem, out var certificate, out problem))
                {
                    error.WriteLine(problem);
                    return 1;
                }
                dsp = [certificate];
            }
            if (dsp.Count == 0)
            {
                error.WriteLine($"{keyFolder} holds no DSP xmlSign certificate (role 0x89): answers could not be verified.");
                return 1;
            }
            DuisSchemas? xsd = null;
            if (parse.GetValue(schemas) is { } schemaFolder)
            {
                try { xsd = DuisSchemas.Load(schemaFolder); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Xml.Schema.XmlSchemaException or ArgumentException)
                {
                    error.WriteLine($"--schemas {schemaFolder}: {e.Message}");
                    return 1;
                }
            }

            var options = new ConformanceOptions
            {
                Endpoint = baseUri,
                Participants = participants,
                Devices = [.. s1Devices, .. s2Devices],
                UserKeys = keyStore,
                DspCertificates = KeyStore.Create(dsp, []),
                Schemas = xsd,
                Descoped = descoped,
                Timeout = TimeSpan.FromSeconds(seconds),
                HandlerFor = baseUri.Scheme == Uri.UriSchemeHttps
                    ? user => DuisTlsProfile.CreateClientHandler(new DcckiFiles(Path.Combine(folder.Path, "dccki")), user)
                    : null,
            };
            var runner = new ConformanceRunner(options);
            ConformanceRun run;
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                run = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask($"{AppendixR.Clause} against {Markup.Escape(baseUri.ToString())}", maxValue: runner.TestCaseCount);
                        return await runner.RunAsync(new Progress<ConformanceProgress>(p =>
                        {
                            task.Value = p.Done;
                            task.Description = Markup.Escape($"{p.Latest.Participant.Role.Code()} {p.Latest.Name}: {p.Latest.Verdict.Label()}");
                        }), cancellationToken);
                    });
            }
            else
            {
                run = await runner.RunAsync(cancellationToken: cancellationToken);
            }

            var reportDirectory = parse.GetValue(report)!;
            reportDirectory.Create();
            var junit = Path.Combine(reportDirectory.FullName, "conformance-junit.xml");
            var html = Path.Combine(reportDirectory.FullName, "conformance-report.html");
            JUnitReport.Write(run, junit);
            HtmlReport.Write(run, html);

            foreach (var summary in run.Summaries) output.WriteLine(summary.ToString());
            foreach (var failed in run.Results.Where(r => r.Verdict == Verdict.Failed))
                output.WriteLine($"  FAILED {failed.Participant.Role.Code()} {failed.Name}: {failed.Reason}");
            foreach (var notExecutable in run.Results.Where(r => r.Verdict == Verdict.NotExecutable))
                output.WriteLine($"  not executable {notExecutable.Participant.Role.Code()} {notExecutable.Name}: {notExecutable.Reason}");
            output.WriteLine($"Reports: {junit}, {html}");
            return run.Succeeded ? 0 : 2;
        });
        return command;
    }

    private static bool TryReadDspCertificate(string path, out OrganisationCertificate certificate, out string problem)
    {
        certificate = null!;
        problem = "";
        try
        {
            var x509 = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(path));
            if (!OrganisationCertificate.TryCreate(x509, out var organisation, out var reason))
                problem = $"--dsp-certificate {path}: not an SMKI Organisation Certificate: {reason}.";
            else if (organisation!.Role != RemotePartyRole.DspXmlSign)
                problem = $"--dsp-certificate {path}: its Remote Party Role is {organisation.Role}, not {RemotePartyRole.DspXmlSign}.";
            else
                certificate = organisation;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            problem = $"--dsp-certificate {path}: {e.Message}";
        }
        return problem.Length == 0;
    }

    private static bool TryParticipants(string[] values, out List<Participant> participants, out string problem)
    {
        participants = [];
        problem = "";
        if (values.Length == 0)
        {
            participants.AddRange(DemoEnvironment.RoleUsers.Select(r => new Participant(r.Value, r.Key)));
            return true;
        }
        foreach (var value in values)
        {
            var parts = value.Split(':', 2, StringSplitOptions.TrimEntries);
            if (!Eui.TryParse(parts[0], out var user))
            {
                problem = $"--as {value}: '{parts[0]}' is not a User ID (8 hex pairs joined by '-').";
                return false;
            }
            UserRole role;
            if (parts.Length == 2)
            {
                if (!UserRoles.TryParseCode(parts[1], out role))
                {
                    problem = $"--as {value}: '{parts[1]}' is not a User Role code (IS, ES, GS, ED, GT, RSA, MDR, OU).";
                    return false;
                }
            }
            else if (DemoEnvironment.RoleUsers.Where(r => r.Value == user).Select(r => (UserRole?)r.Key).FirstOrDefault() is { } demoRole)
            {
                role = demoRole;
            }
            else
            {
                problem = $"--as {value}: name the User Role to test it in, as USER:ROLE (e.g. {user}:IS).";
                return false;
            }
            participants.Add(new Participant(user, role));
        }
        return true;
    }

    private static bool TryDevices(string[] values, DeviceGeneration generation, out List<TestDevice> devices, out string problem)
    {
        devices = [];
        problem = "";
        if (values.Length == 0)
        {
            devices.AddRange(DemoEnvironment.Devices.Where(d => d.Generation == generation).Select(d => new TestDevice(d.Id, d.Type, generation)));
            return true;
        }
        var option = generation == DeviceGeneration.Smets1 ? "--smets1-device" : "--smets2-device";
        foreach (var value in values)
        {
            var parts = value.Split(':', 2, StringSplitOptions.TrimEntries);
            if (!Eui.TryParse(parts[0], out var id))
            {
                problem = $"{option} {value}: '{parts[0]}' is not a Device ID (8 hex pairs joined by '-').";
                return false;
            }
            var type = DeviceType.ESME;
            if (parts.Length == 2 && (!Enum.TryParse(parts[1], ignoreCase: true, out type) || !Enum.IsDefined(type) || int.TryParse(parts[1], out _)))
            {
                problem = $"{option} {value}: '{parts[1]}' is not a Device Type ({string.Join(", ", Enum.GetNames<DeviceType>())}).";
                return false;
            }
            devices.Add(new TestDevice(id, type, generation));
        }
        return true;
    }

    private static bool TryDescoped(string[] values, string? reason, out Dictionary<ResponseCode, string> descoped, out string problem)
    {
        descoped = [];
        problem = "";
        var refs = values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (refs.Count == 0) return true;
        if (string.IsNullOrWhiteSpace(reason))
        {
            problem = $"--descope {string.Join(',', refs)} needs --reason: a descoped test is reported with the reason it was agreed.";
            return false;
        }
        foreach (var r in refs)
        {
            if (!AppendixR.TryFind(r, out var test))
            {
                problem = $"--descope {r}: not a Response Code test of {AppendixR.Clause} ({string.Join(", ", AppendixR.ResponseCodeTests.Select(t => t.Ref))}).";
                return false;
            }
            descoped[test.Ref] = reason.Trim();
        }
        return true;
    }
}
