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

/// <summary>What the pages read beside the DI services: the parts the server was composed from.</summary>
/// <param name="Outbox">The outbox store's operator view, when the store has one (SQLite, PostgreSQL).</param>
public sealed record ConsoleContext(OpenDuisOptions Parts, ConsoleOptions Options, Core.Outbox.IOutboxInspection? Outbox);
