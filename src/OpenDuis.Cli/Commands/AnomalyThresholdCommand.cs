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
                var folder = DataFolder.Resolve(parse.GetValue(data)).Path;
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
            if (!TryLoad(DataFolder.Resolve(parse.GetValue(listData)).Path, parse.InvocationConfiguration.Error, out var current)) return 2;
            foreach (var t in current) parse.InvocationConfiguration.Output.WriteLine(t.ToString());
            return 0;
        });
        return Root(set, remove, list);
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

    private static Command Root(Command set, Command remove, Command list)
    {
        return new Command("anomaly-threshold", "Anomaly Detection Thresholds on volume (SEC G6): device requests beyond one are quarantined (N46, N47).")
        {
            set, remove, list,
        };
    }
}
