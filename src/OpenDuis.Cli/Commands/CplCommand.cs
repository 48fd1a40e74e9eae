using System.CommandLine;
using System.Net.Http.Json;
using OpenDuis.Server.SmWan;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis cpl remove|restore</c>: removes a product combination from the Central Products List of a
/// running <c>openduis serve</c>, suspending its Devices (N8, their DCC Schedules removed with N6), or
/// restores it, returning them to their status before (N9) — SEC F2.9, through the server's admin API.
/// </summary>
internal static class CplCommand
{
    public static Command Create()
    {
        var cpl = new Command("cpl", "Lists the Central Products List; removes a product combination from it, or restores it, on a running server.");
        cpl.Options.Add(AdminApi.Server);
        cpl.Subcommands.Add(Change("remove", "Removes the combination from the CPL: its Devices become Suspended.", CplEndpoints.RemovePath));
        cpl.Subcommands.Add(Change("restore", "Restores the combination to the CPL: its Suspended Devices return to their status before.", CplEndpoints.RestorePath));
        cpl.Subcommands.Add(List());
        return cpl;
    }

    /// <summary>The CPL as the data folder's database holds it (a running server reads the same).</summary>
    private static Command List()
    {
        var data = InitCommand.DataOption();
        var list = new Command("list", "List the Central Products List: manufacturer, model, firmware version, device type, GBCS and SMETS/CHTS versions, status.") { data };
        list.SetAction(async (parse, ct) =>
        {
            await using var stores = await OpenDuis.Storage.DataFolder.Resolve(parse.GetValue(data)).OpenStoresAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{"Manufacturer",-12}  {"Model",-10}  {"Firmware",-9}  {"Type",-6}  {"GBCS",-5}  {"SMETS/CHTS",-12}  Status");
            foreach (var p in (await stores.Inventory.ProductsAsync(ct)).OrderBy(p => (p.Manufacturer, p.Model, p.FirmwareVersion)))
                output.WriteLine($"{p.Manufacturer,-12}  {p.Model,-10}  {p.FirmwareVersion,-9}  {p.DeviceType,-6}  {p.GbcsVersion,-5}  {p.SmetsChtsVersion,-12}  {p.Status}");
            return 0;
        });
        return list;
    }

    private static Command Change(string name, string description, string path)
    {
        var manufacturer = new Option<string>("--manufacturer") { Description = "The manufacturer identifier as the CPL holds it (e.g. 106C)." };
        var model = new Option<string>("--model") { Description = "The model." };
        var firmware = new Option<string>("--firmware-version") { Description = "The firmware version." };
        var command = new Command(name, description) { manufacturer, model, firmware };
        command.SetAction(async (parse, ct) =>
        {
            var missing = new[] { manufacturer, model, firmware }.Where(o => string.IsNullOrWhiteSpace(parse.GetValue(o))).Select(o => o.Name).ToArray();
            if (missing.Length > 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"The product needs {string.Join(", ", missing)}.");
                return AdminApi.BadInput;
            }
            return await AdminApi.CallAsync(parse, async (http, ct2) =>
            {
                using var answer = await http.PostAsJsonAsync(path,
                    new CplProductBody(parse.GetValue(manufacturer), parse.GetValue(model), parse.GetValue(firmware)), CplJson.Default.CplProductBody, ct2);
                if (!answer.IsSuccessStatusCode) return await AdminApi.RefusedAsync(parse, answer, "CPL", ct2);
                var change = await answer.Content.ReadFromJsonAsync(CplJson.Default.CplChangeView, ct2);
                var output = parse.InvocationConfiguration.Output;
                await output.WriteLineAsync(change?.Result);
                foreach (var d in change?.Devices ?? []) await output.WriteLineAsync($"{d.Device}  {d.Status}");
                return 0;
            }, ct);
        });
        return command;
    }
}
