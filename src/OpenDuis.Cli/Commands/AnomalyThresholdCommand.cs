using System.CommandLine;
using System.Globalization;
using OpenDuis.Core.Alerts;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Hosting;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis anomaly-threshold set|remove|list</c>: the data folder's Anomaly Detection Thresholds
/// on volume — a User's own (SEC G6.3) or, with <c>--dcc</c>, the DCC's over all Users (SEC G6.4).
/// <c>openduis serve</c> reads them at start; a device request beyond one is quarantined (N46, N47).
/// </summary>
internal static class AnomalyThresholdCommand
{
    public static Command Create()
    {
        var set = new Command("set", "Set a threshold: at most MAX Service Requests of VARIANT within PERIOD.");
        var remove = new Command("remove", "Remove a threshold.");
        var listData = InitCommand.DataOption();
        var list = new Command("list", "List the thresholds.") { listData };
        foreach (var command in new[] { set, remove })
        {
            var data = InitCommand.DataOption();
            var user = new Option<string?>("--user") { Description = "The User whose own threshold it is (EUI-64)." };
            var dcc = new Option<bool>("--dcc") { Description = "The DCC's threshold, over all Users." };
            var variant = new Option<string>("--variant") { Description = "The Service Reference Variant, e.g. 4.1.1.", Required = true };
            var max = new Option<int>("--max") { Description = "Requests allowed within the period.", Required = command == set };
            var period = new Option<string>("--period") { Description = "The sliding period (d.hh:mm:ss).", DefaultValueFactory = _ => "1.00:00:00" };
            command.Options.Add(data);
            command.Options.Add(user);
            command.Options.Add(dcc);
            command.Options.Add(variant);
            if (command == set)
            {
                command.Options.Add(max);
                command.Options.Add(period);
            }
            command.SetAction(parse =>
            {
                var error = parse.InvocationConfiguration.Error;
                Eui? owner = null;
                if (parse.GetValue(dcc) == (parse.GetValue(user) is not null))
                {
                    error.WriteLine("Name either --user USER (the User's own threshold) or --dcc (the DCC's).");
                    return 1;
                }
                if (parse.GetValue(user) is { } text)
                {
                    if (!Eui.TryParse(text, out var id))
                    {
                        error.WriteLine($"--user {text}: not a User ID (8 hex pairs joined by '-').");
                        return 1;
                    }
                    owner = id;
                }
                if (!ServiceReferenceVariant.TryParse(parse.GetValue(variant), CultureInfo.InvariantCulture, out var v))
                {
                    error.WriteLine($"--variant {parse.GetValue(variant)}: not a Service Reference Variant (e.g. 4.1.1).");
                    return 1;
                }
                VolumeThreshold? threshold = null;
                if (command == set)
                {
                    if (!TimeSpan.TryParse(parse.GetValue(period), CultureInfo.InvariantCulture, out var p) || p <= TimeSpan.Zero)
                    {
                        error.WriteLine($"--period {parse.GetValue(period)}: a period longer than zero is required (d.hh:mm:ss).");
                        return 1;
                    }
                    if (parse.GetValue(max) < 0)
                    {
                        error.WriteLine($"--max {parse.GetValue(max)}: a threshold is not negative.");
                        return 1;
                    }
                    threshold = new VolumeThreshold(v, parse.GetValue(max), p);
                }
                var folder = DataFolder.Resolve(parse.GetValue(data)).EnsuredPath();
                Directory.CreateDirectory(folder);
                if (!TryLoad(folder, error, out var current)) return 2;
                if (threshold is null && !current.Any(t => t.User == owner && t.Threshold.Variant == v))
                {
                    error.WriteLine($"No threshold of {(owner is { } o ? o.ToString() : "the DCC")} for {v}.");
                    return 3;
                }
                AnomalyThresholdFile.Save(folder, AnomalyThresholdFile.With(current, owner, v, threshold));
                var output = parse.InvocationConfiguration.Output;
                output.WriteLine(threshold is null ? $"Removed the threshold of {(owner is { } r ? r.ToString() : "the DCC")} for {v}"
                    : $"{new AnomalyThreshold(owner, threshold)} (read by openduis serve at start)");
                return 0;
            });
        }
        list.SetAction(parse =>
        {
            var folder = DataFolder.Resolve(parse.GetValue(listData)).EnsuredPath();
            if (!TryLoad(folder, parse.InvocationConfiguration.Error, out var current)) return 2;
            foreach (var t in current) parse.InvocationConfiguration.Output.WriteLine(t.ToString());
            if (!TryLoadLimits(folder, parse.InvocationConfiguration.Error, out var limits)) return 2;
            foreach (var l in limits) parse.InvocationConfiguration.Output.WriteLine(AnomalyAttributeLimitFile.Describe(l));
            return 0;
        });
        return Root(set, remove, list, Limit(set: true), Limit(set: false));
    }

    /// <summary>
    /// <c>limit</c> / <c>unlimit</c>: the DCC's attribute limits (SEC A, Threshold Anomaly Detection
    /// (b)(ii)): a device request of VARIANT whose body element ELEMENT is beyond MAX is quarantined (N48).
    /// </summary>
    private static Command Limit(bool set)
    {
        var data = InitCommand.DataOption();
        var variant = new Option<string>("--variant") { Description = "The Service Reference Variant, e.g. 1.5.", Required = true };
        var element = new Option<string>("--element") { Description = "The body element whose value is limited (its local name, e.g. AdjustMeterBalance).", Required = true };
        var max = new Option<decimal>("--max") { Description = "The largest value allowed.", Required = true };
        var command = set
            ? new Command("limit", "Set the DCC's attribute limit: a request of VARIANT whose ELEMENT is beyond MAX is quarantined (N48).") { data, variant, element, max }
            : new Command("unlimit", "Remove an attribute limit.") { data, variant, element };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!ServiceReferenceVariant.TryParse(parse.GetValue(variant), CultureInfo.InvariantCulture, out var v))
            {
                error.WriteLine($"--variant {parse.GetValue(variant)}: not a Service Reference Variant (e.g. 1.5).");
                return 1;
            }
            var name = parse.GetValue(element)?.Trim() ?? "";
            if (name.Length == 0 || !System.Xml.XmlReader.IsName(name) || name.Contains(':'))
            {
                error.WriteLine($"--element '{name}': not the local name of a body element (e.g. AdjustMeterBalance).");
                return 1;
            }
            var folder = DataFolder.Resolve(parse.GetValue(data)).EnsuredPath();
            Directory.CreateDirectory(folder);
            if (!TryLoadLimits(folder, error, out var current)) return 2;
            if (!set && !current.Any(l => l.Variant == v && l.Element == name))
            {
                error.WriteLine($"No attribute limit of {name} for {v}.");
                return 3;
            }
            var updated = AnomalyAttributeLimitFile.With(current, v, name, set ? parse.GetValue(max) : null);
            AnomalyAttributeLimitFile.Save(folder, updated);
            parse.InvocationConfiguration.Output.WriteLine(set
                ? $"{AnomalyAttributeLimitFile.Describe(updated.Single(l => l.Variant == v && l.Element == name))} (read by openduis serve at start)"
                : $"Removed the attribute limit of {name} for {v}");
            return 0;
        });
        return command;
    }

    private static bool TryLoadLimits(string folder, TextWriter error, out IReadOnlyList<AttributeLimit> limits)
    {
        try
        {
            limits = AnomalyAttributeLimitFile.Load(folder);
            return true;
        }
        catch (InvalidDataException e)
        {
            error.WriteLine(e.Message);
            limits = [];
            return false;
        }
    }

    private static bool TryLoad(string folder, TextWriter error, out IReadOnlyList<AnomalyThreshold> thresholds)
    {
        try
        {
            thresholds = AnomalyThresholdFile.Load(folder);
            return true;
        }
        catch (InvalidDataException e)
        {
            error.WriteLine(e.Message);
            thresholds = [];
            return false;
        }
    }

    private static Command Root(Command set, Command remove, Command list, Command limit, Command unlimit)
    {
        return new Command("anomaly-threshold", "Anomaly Detection Thresholds on volume (SEC G6) and the DCC's attribute limits: device requests beyond one are quarantined (N46, N47, N48).")
        {
            set, remove, list, limit, unlimit,
        };
    }
}
