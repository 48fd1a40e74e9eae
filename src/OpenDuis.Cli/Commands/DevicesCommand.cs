using System.CommandLine;
using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary><c>openduis devices list [--status S] [--type T] [--mpxn M]</c>: the Smart Metering Inventory, filtered.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var data = InitCommand.DataOption();
        var status = new Option<string?>("--status") { Description = $"Only Devices in this SMI Status ({string.Join(", ", Enum.GetNames<SmiStatus>())})." };
        var type = new Option<string?>("--type") { Description = $"Only Devices of this type ({string.Join(", ", Enum.GetNames<DeviceType>())})." };
        var mpxn = new Option<string?>("--mpxn") { Description = "Only Devices at this MPAN or MPRN." };
        var list = new Command("list", "List the Devices of the Smart Metering Inventory: ID, type, generation, SMI Status, product, MPxN.") { status, type, mpxn, data };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            SmiStatus? wantedStatus = null;
            if (parse.GetValue(status) is { } s)
            {
                if (!Enum.TryParse<SmiStatus>(s, ignoreCase: true, out var parsed)) { error.WriteLine($"--status {s}: one of {string.Join(", ", Enum.GetNames<SmiStatus>())}."); return 2; }
                wantedStatus = parsed;
            }
            DeviceType? wantedType = null;
            if (parse.GetValue(type) is { } t)
            {
                if (!Enum.TryParse<DeviceType>(t, ignoreCase: true, out var parsed)) { error.WriteLine($"--type {t}: one of {string.Join(", ", Enum.GetNames<DeviceType>())}."); return 2; }
                wantedType = parsed;
            }
            Mpxn? wantedMpxn = null;
            if (parse.GetValue(mpxn) is { } m)
            {
                try { wantedMpxn = Mpxn.Parse(m); }
                catch (FormatException e) { error.WriteLine($"--mpxn {m}: {e.Message}"); return 2; }
            }
            await using var stores = await DataFolder.Resolve(parse.GetValue(data)).OpenStoresAsync(cancellationToken);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{"Device ID",-23}  {"Type",-6}  {"Gen",-7}  {"SMI Status",-16}  {"Product",-20}  MPxN");
            var count = 0;
            await foreach (var d in stores.Inventory.ReadDevicesAsync(cancellationToken))
            {
                if (wantedStatus is { } ws && d.Status != ws) continue;
                if (wantedType is { } wt && d.Type != wt) continue;
                if (wantedMpxn is { } wm && d.Mpxn != wm) continue;
                output.WriteLine($"{d.Id,-23}  {d.Type,-6}  {(d.Generation == DeviceGeneration.Smets1 ? "SMETS1" : "SMETS2+"),-7}  {d.Status,-16}  {$"{d.Manufacturer}/{d.Model}/{d.FirmwareVersion}",-20}  {d.Mpxn}");
                count++;
            }
            output.WriteLine($"{count} Device(s).");
            return 0;
        });
        return new Command("devices", "List the Devices of the Smart Metering Inventory.") { list };
    }
}
