using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Keys;
using OpenDuis.Server.Hosting;

namespace OpenDuis.OperatorConsole;

/// <summary>How the operator console is set up by <c>openduis serve</c>.</summary>
/// <param name="DataFolder">The data folder: the console's token, CSV uploads and conformance reports live there.</param>
/// <param name="StoreDescription">The database in use, as the Health page names it.</param>
/// <param name="TemplatesFolder">RTDS request templates the Send page offers ($OPENDUIS_TEMPLATES); none when absent.</param>
/// <param name="Token">
/// The operator's credential (the duis profile): every page then needs it, given once on the sign-in
/// page and kept in a cookie, or as <c>Authorization: Bearer</c>. Null: loopback alone admits, as the admin API.
/// </param>
public sealed record ConsoleOptions(string DataFolder, string StoreDescription, string? TemplatesFolder = null, string? Token = null)
{
    /// <summary>Where the console is served on the DUIS port.</summary>
    public const string Root = "/ui";
}

/// <summary>What the pages read beside the DI services: the console's options and what the server was composed from.</summary>
public sealed class ConsoleContext(ConsoleOptions options, IOptions<OpenDuisOptions> openDuis, IServiceProvider services)
{
    public ConsoleOptions Options { get; } = options;

    /// <summary>The Users' certificates and keys (the Send page signs as a demo User; the conformance run).</summary>
    public KeyStore Keys => openDuis.Value.Keys;

    public Protocol.Schema.DuisSchemas? Schemas => openDuis.Value.Schemas;

    public ISmiStore Store => openDuis.Value.Store;

    /// <summary>The outbox as stored (its counts), beneath what records and signals.</summary>
    public IOutboxStore StoredOutbox => openDuis.Value.Outbox;

    /// <summary>The outbox store's operator view, when the store has one (SQLite, PostgreSQL).</summary>
    public IOutboxInspection? Outbox => DelegatingOutboxStore.Find<IOutboxInspection>(openDuis.Value.Outbox);

    /// <summary>The DCC Schedules, when the server runs them.</summary>
    public IScheduleStore? Schedules => services.GetService<IScheduleStore>();
}
