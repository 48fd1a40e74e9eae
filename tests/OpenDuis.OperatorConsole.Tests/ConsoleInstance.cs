using System.Net.Http.Headers;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Hosting;
using OpenDuis.Storage;
using OpenDuis.TestSupport;

namespace OpenDuis.OperatorConsole.Tests;

/// <summary>Which database a console instance keeps its state in.</summary>
public enum ConsoleStore { Sqlite, Postgres }

/// <summary>
/// <c>openduis serve</c> as it composes itself, in-process on a loopback port: a fresh data folder
/// (demo environment, generated keys) on SQLite or PostgreSQL, the emulated SM WAN, the RTDS
/// templates for the Send page, and the operator console.
/// </summary>
public sealed class ConsoleInstance : IAsyncDisposable
{
    private string? _schema;
    private string? _admin;

    public required DataFolderHost Host { get; init; }
    public required DuisServer Server { get; init; }
    public Uri Console => new(Server.OperatorAddress ?? Server.BaseAddress, ConsoleOptions.Root + "/");
    public HttpClient Http { get; } = new();

    /// <summary>How long the emulated devices take to answer: long enough to see the I99 before the Service Response.</summary>
    public static readonly TimeSpan DeviceLatency = TimeSpan.FromMilliseconds(400);

    /// <param name="profile">On the duis profile the console is on its own plain loopback port (<see cref="ServerOptions.OperatorPort"/>).</param>
    public static async Task<ConsoleInstance> StartAsync(ConsoleStore store, string? token = null, ConnectionProfile profile = ConnectionProfile.Dev)
    {
        var folder = new DataFolder(Directory.CreateTempSubdirectory("openduis-console-").FullName);
        string? schema = null, admin = null;
        if (store == ConsoleStore.Postgres)
        {
            admin = Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG");
            if (string.IsNullOrWhiteSpace(admin))
                throw Prerequisite.Missing("a PostgreSQL server: set OPENDUIS_TEST_PG to its Npgsql connection string");
            schema = "console_" + Guid.NewGuid().ToString("N");
            await using (var c = new NpgsqlConnection(admin))
            {
                await c.OpenAsync();
                await c.ExecuteAsync($"CREATE SCHEMA {schema}");
            }
            var scoped = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ToString();
            await (await folder.InitialiseAsync(new DataFolderSettings { Store = "postgres", PostgresConnectionString = scoped })).Store.DisposeAsync();
        }
        var host = await DataFolderHost.OpenAsync(folder, TimeProvider.System, initialise: true);
        var options = new ConsoleOptions(folder.Path, host.Store.Description, RepoPaths.Templates, token);
        var serverOptions = profile == ConnectionProfile.Duis
            ? new ServerOptions { Port = 0, MinimumLogLevel = LogLevel.Warning, Profile = profile, Dccki = host.EnsureDemoDccki(TimeProvider.System), OperatorPort = 0 }
            : new ServerOptions { Port = 0, MinimumLogLevel = LogLevel.Warning };
        var server = await DuisServer.StartAsync(serverOptions,
            services => services.AddOpenDuis(host).AddSmWan(o => o.Network = new Network.EmulatedSmWanOptions { Latency = DeviceLatency }).AddOperatorConsole(options));
        return new ConsoleInstance { Host = host, Server = server, _schema = schema, _admin = admin };
    }

    /// <summary>Signs a request from an RTDS template as <paramref name="user"/> with a fresh counter and POSTs it to the DUIS service, as any User's adapter would.</summary>
    public async Task<(RequestId Id, string Answer)> SendOverDuisAsync(string template, Eui user)
    {
        var security = new DuisSecurity(Host.Keys);
        var request = DuisRequest.Read(security.Load(await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Templates, template))));
        var id = request.RequestId with { Originator = user, Counter = (ulong)Random.Shared.NextInt64(1, long.MaxValue) };
        var body = security.SignAndSerialise(request.WithRequestId(id).ToXmlDocument(), Host.Keys.FindXmlSigningKey(user)!);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        using var response = await Http.PostAsync(Server.ServiceUri(request.CommandVariant.WebService()), content);
        return (id, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Host.DisposeAsync();
        Http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_schema is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(_admin);
            await c.OpenAsync();
            await c.ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
        }
        try { Directory.Delete(Host.Folder.Path, true); } catch (IOException) { }
    }
}
