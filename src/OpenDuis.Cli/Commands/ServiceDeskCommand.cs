using System.CommandLine;
using OpenDuis.Core;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis service-desk …</c>: the Service Desk's log of SMKI Repository requests made other than via
/// a DCC Gateway Connection (Appendix P 2.2, as amended by MP260), kept in the data folder's database.
/// </summary>
internal static class ServiceDeskCommand
{
    private const int Refused = 1;
    private const int BadInput = 2;

    private static readonly Option<string?> Data = InitCommand.DataOption();

    private static readonly Dictionary<string, ServiceDeskChannel> Channels = new()
    {
        ["personal-visit"] = ServiceDeskChannel.PersonalVisit,
        ["email"] = ServiceDeskChannel.Email,
        ["signed-letter"] = ServiceDeskChannel.SignedLetter,
        ["telephone"] = ServiceDeskChannel.Telephone,
        // Named so it can be refused with its clause rather than rejected as unknown.
        ["signed-fax"] = ServiceDeskChannel.SignedFax,
        ["fax"] = ServiceDeskChannel.SignedFax,
    };

    private static readonly Dictionary<string, ServiceDeskRequesterKind> Entitlements = new()
    {
        ["party"] = ServiceDeskRequesterKind.Party,
        ["rdp"] = ServiceDeskRequesterKind.RegistrationDataProvider,
        ["smki-pma"] = ServiceDeskRequesterKind.SmkiPmaRepresentative,
        ["panel"] = ServiceDeskRequesterKind.PanelRepresentative,
        ["code-administrator"] = ServiceDeskRequesterKind.CodeAdministratorRepresentative,
        ["other"] = ServiceDeskRequesterKind.Other,
    };

    private static readonly Dictionary<string, RepositoryAccessPurpose> Purposes = new()
    {
        ["view"] = RepositoryAccessPurpose.View,
        ["copy"] = RepositoryAccessPurpose.ObtainCopy,
        ["view-and-copy"] = RepositoryAccessPurpose.ViewAndObtainCopy,
    };

    private static readonly Dictionary<string, ProvisionMedium> Media = new()
    {
        ["optical-media"] = ProvisionMedium.OpticalMedia,
        ["email"] = ProvisionMedium.Email,
        ["viewed-in-person"] = ProvisionMedium.ViewedInPerson,
    };

    public static Command Create()
    {
        var desk = new Command("service-desk", "The Service Desk's log of SMKI Repository requests (Appendix P 2.2).");
        desk.Options.Add(Data);
        Data.Recursive = true;
        desk.Subcommands.Add(Record());
        desk.Subcommands.Add(List());
        return desk;
    }

    private static Command Record()
    {
        var name = new Option<string>("--name") { Description = "Who asked.", Required = true };
        var entitlement = new Option<string>("--entitlement") { Description = "Why they may ask: party, rdp, smki-pma, panel, code-administrator (or other, refused).", Required = true };
        entitlement.AcceptOnlyFromAmong([.. Entitlements.Keys]);
        var party = new Option<string?>("--party") { Description = "The requester's Party id (EUI-64), if any." };
        var email = new Option<string?>("--email") { Description = "The requester's email address on record." };
        var gateway = new Option<bool>("--has-gateway-connection") { Description = "The requester has a DCC Gateway Connection (then the Service Desk route is refused)." };
        var channel = new Option<string>("--channel") { Description = "personal-visit, email, signed-letter or telephone (a signed fax is refused).", Required = true };
        channel.AcceptOnlyFromAmong([.. Channels.Keys]);
        var purpose = new Option<string>("--purpose") { Description = "view, copy or view-and-copy.", DefaultValueFactory = _ => "view-and-copy" };
        purpose.AcceptOnlyFromAmong([.. Purposes.Keys]);
        var requested = new Option<string[]>("--requested") { Description = "Each Certificate or document requested.", Required = true, AllowMultipleArgumentsPerToken = true };
        var provided = new Option<string[]>("--provided") { Description = "Each Certificate or document provided (with --medium).", AllowMultipleArgumentsPerToken = true };
        var medium = new Option<string?>("--medium") { Description = "How it was provided: optical-media, email or viewed-in-person." };
        medium.AcceptOnlyFromAmong([.. Media.Keys]);

        var command = new Command("record", "Log a request to the Service Desk and, optionally, what was provided and how.")
        {
            name, entitlement, party, email, gateway, channel, purpose, requested, provided, medium,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            Eui? partyId = null;
            if (parse.GetValue(party) is { } partyText)
            {
                if (!Eui.TryParse(partyText, out var eui))
                {
                    error.WriteLine($"--party: '{partyText}' is not an EUI-64 (8 hex pairs joined by '-').");
                    return BadInput;
                }
                partyId = eui;
            }
            var items = parse.GetValue(provided) ?? [];
            var how = parse.GetValue(medium);
            if (items.Length > 0 != how is not null)
            {
                error.WriteLine("--provided and --medium go together: name what was provided and how.");
                return BadInput;
            }
            var requester = new ServiceDeskRequester(parse.GetValue(name)!, Entitlements[parse.GetValue(entitlement)!],
                parse.GetValue(gateway), partyId, parse.GetValue(email));

            await using var opened = await OpenAsync(parse, ct);
            var log = new ServiceDeskLog(opened.Store, TimeProvider.System);
            Ruling<ServiceDeskRequest> ruling;
            try
            {
                ruling = await log.LogRequestAsync(requester, Channels[parse.GetValue(channel)!], Purposes[parse.GetValue(purpose)!],
                    parse.GetValue(requested) ?? [], ct);
                if (ruling.IsAllowed && how is not null)
                {
                    var logged = ruling.Value;
                    ruling = await log.RecordProvisionAsync(logged.Id, items, Media[how], ct);
                    // The request itself was allowed and stays in the log; only what was provided is refused.
                    if (!ruling.IsAllowed) error.WriteLine($"Request {logged.Id} is logged, but not what was provided.");
                }
            }
            catch (ArgumentException e)
            {
                error.WriteLine(e.Message);
                return BadInput;
            }
            if (!ruling.IsAllowed)
            {
                error.WriteLine($"Refused ({ruling.Refusal.Clause}): {ruling.Refusal.Reason}.");
                return Refused;
            }
            Print(ruling.Value, output);
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List the Service Desk's log, oldest first.");
        command.SetAction(async (parse, ct) =>
        {
            await using var opened = await OpenAsync(parse, ct);
            foreach (var request in await opened.Store.AllAsync(ct))
                Print(request, parse.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    private static void Print(ServiceDeskRequest request, TextWriter output)
    {
        var who = request.Requester;
        output.WriteLine($"Request {request.Id}");
        output.WriteLine($"  Received:  {UkLocalTime.Format(request.ReceivedAt)} by {Name(Channels, request.Channel)}");
        output.WriteLine($"  Requester: {who.Name} ({Name(Entitlements, who.Kind)}){(who.PartyId is { } p ? " " + p : "")}{(who.EmailAddress is { } e ? " <" + e + ">" : "")}");
        output.WriteLine($"  Purpose:   {Name(Purposes, request.Purpose)}");
        output.WriteLine($"  Requested: {string.Join(", ", request.Requested)}");
        foreach (var provision in request.Provided)
            output.WriteLine($"  Provided:  {string.Join(", ", provision.Items)} by {Name(Media, provision.Medium)}{(provision.SentTo is { } to ? " to " + to : "")} at {UkLocalTime.Format(provision.At)}");
    }

    private static string Name<T>(Dictionary<string, T> names, T value) where T : struct, Enum =>
        names.First(n => n.Value.Equals(value)).Key;

    private sealed class OpenedLog(IServiceDeskLogStore store, IAsyncDisposable owner) : IAsyncDisposable
    {
        public IServiceDeskLogStore Store => store;
        public ValueTask DisposeAsync() => owner.DisposeAsync();
    }

    private static async Task<OpenedLog> OpenAsync(ParseResult parse, CancellationToken ct)
    {
        var stores = await OpenDuis.Storage.DataFolder.Resolve(parse.GetValue(Data)).OpenStoresAsync(ct);
        return new OpenedLog(stores.ServiceDesk, stores);
    }
}
