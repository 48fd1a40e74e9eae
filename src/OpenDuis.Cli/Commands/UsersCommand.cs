using System.CommandLine;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary><c>openduis users list</c>, <c>openduis users endpoint USER URL</c>: the Users, and where each receives Service Responses and DCC Alerts.</summary>
internal static class UsersCommand
{
    public static Command Create()
    {
        var data = InitCommand.DataOption();
        var user = new Argument<string>("USER") { Description = "The User ID (EUI-64, e.g. 90-B3-D5-1F-30-01-00-00)." };
        var url = new Argument<string>("URL") { Description = "The User's response endpoint (http or https)." };
        var endpoint = new Command("endpoint", "Set the URL the User's Service Responses and DCC Alerts are POSTed to.") { user, url, data };
        endpoint.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!Eui.TryParse(parse.GetValue(user), out var id))
            {
                error.WriteLine($"USER {parse.GetValue(user)}: not a User ID (8 hex pairs joined by '-').");
                return 1;
            }
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                error.WriteLine($"URL {parse.GetValue(url)}: an absolute http or https URL is required.");
                return 1;
            }
            await using var stores = await DataFolder.Resolve(parse.GetValue(data)).OpenStoresAsync(cancellationToken);
            var found = await stores.Parties.FindUserAsync(id, cancellationToken);
            if (found is null)
            {
                error.WriteLine($"User {id} is not known to {stores.Description}.");
                return 3;
            }
            await stores.Parties.SaveUserAsync(found with { ResponseEndpoint = uri }, cancellationToken);
            parse.InvocationConfiguration.Output.WriteLine($"User {id} receives responses at {uri}");
            // What waited for an endpoint goes now (a running server also sees the change and does the same).
            var (outbox, owner) = await DataFolder.Resolve(parse.GetValue(data)).OpenOutboxAsync(cancellationToken);
            await using (owner)
                if (await outbox.ReleaseParkedAsync(id, DateTimeOffset.UtcNow, cancellationToken) is var released and > 0)
                    parse.InvocationConfiguration.Output.WriteLine($"  {released} parked message(s) released for delivery.");
            return 0;
        });
        var listData = InitCommand.DataOption();
        var list = new Command("list", "List the Users: User ID, Party, User Roles, status and response endpoint.") { listData };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var stores = await DataFolder.Resolve(parse.GetValue(listData)).OpenStoresAsync(cancellationToken);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{"User ID",-23}  {"Party",-24}  {"Roles",-12}  {"Status",-9}  Endpoint");
            await foreach (var u in stores.Parties.ReadUsersAsync(cancellationToken))
                output.WriteLine($"{u.Id,-23}  {u.Party,-24}  {string.Join(',', u.Roles.Order().Select(r => r.Code())),-12}  {u.Status,-9}  {u.ResponseEndpoint?.ToString() ?? "(none: responses wait in the outbox)"}");
            return 0;
        });
        return new Command("users", "List Users and set their response endpoints.") { list, endpoint };
    }
}
