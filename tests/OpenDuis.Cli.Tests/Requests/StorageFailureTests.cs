using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.Cli.Tests.Requests;

/// <summary>
/// A database that stops taking writes, under a real <c>openduis serve</c>. On SQLite every write fails
/// with "database or disk is full", through the real stores, as a full disk makes them fail (triggers
/// that RAISE on every table: file modes do not stop root, and a tmpfs to fill is not available); on
/// PostgreSQL the server's role loses its INSERT, UPDATE and DELETE privileges on its tables. No request
/// is answered (I99 or I0) while its record cannot be written (HTTP 503 with the reason), /health says
/// the database is failing (noticed by the storage probe on an idle server too), the log says so once,
/// and service resumes by itself; a SMETS1 request refused 503 is accepted when sent again, once (E63 after).
/// </summary>
public sealed class StorageFailureTests : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly OpenduisProcesses _cli = new("openduis-storage-");
    private readonly HttpClient _http = new();
    private string? _pgAdmin, _pgSchema, _pgRole;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _cli.DisposeAsync();
        if (_pgAdmin is not null)
        {
            await PostgresSchemas.DropSchemaAsync(_pgAdmin, _pgSchema!);
            await using var c = new NpgsqlConnection(_pgAdmin);
            await c.OpenAsync(CancellationToken.None);
            await c.ExecuteAsync($"DROP OWNED BY {_pgRole}; DROP ROLE IF EXISTS {_pgRole}");
        }
    }

    private bool OnPostgres => _pgAdmin is not null;

    /// <summary>
    /// A data folder on a fresh schema of the server in OPENDUIS_TEST_PG, owned by a role of its own that
    /// the server connects as (not the superuser, whom privileges do not bind).
    /// </summary>
    private async Task InitialisePostgresAsync()
    {
        (_pgAdmin, _pgSchema) = await PostgresSchemas.CreateSchemaAsync();
        _pgRole = "r" + _pgSchema;
        await using (var c = new NpgsqlConnection(_pgAdmin))
        {
            await c.OpenAsync(Ct);
            await c.ExecuteAsync($"CREATE ROLE {_pgRole} LOGIN; ALTER SCHEMA {_pgSchema} OWNER TO {_pgRole}");
        }
        var connection = new NpgsqlConnectionStringBuilder(_pgAdmin) { Username = _pgRole, SearchPath = _pgSchema }.ToString();
        var (code, output) = await _cli.RunAsync("init", "--data", _cli.Data, "--postgres", connection);
        Assert.True(code == 0, output);
    }

    /// <summary>The database stops taking writes: SQLite as when its disk is full, PostgreSQL by privileges taken away.</summary>
    private Task BreakAsync() => OnPostgres ? PostgresPrivilegesAsync("REVOKE", "FROM") : BreakSqliteAsync();

    private Task RepairAsync() => OnPostgres ? PostgresPrivilegesAsync("GRANT", "TO") : RepairSqliteAsync();

    /// <summary>The server's role loses (or gets back) the right to change its own tables: its open sessions see it at their next statement.</summary>
    private async Task PostgresPrivilegesAsync(string verb, string preposition)
    {
        await using var c = new NpgsqlConnection(_pgAdmin);
        await c.OpenAsync(Ct);
        await c.ExecuteAsync($"{verb} INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_pgSchema} {preposition} {_pgRole}");
    }

    /// <summary>What the database says when a write is refused.</summary>
    private string Refusal => OnPostgres ? "permission denied" : "database or disk is full";

    private string Database => Path.Combine(_cli.Data, "openduis.db");

    private async Task<SqliteConnection> OpenAsync()
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Database, Pooling = false, DefaultTimeout = 30 }.ToString());
        await c.OpenAsync(Ct);
        return c;
    }

    /// <summary>Makes every insert, update and delete on every table fail as a full disk does.</summary>
    private async Task BreakSqliteAsync()
    {
        await using var c = await OpenAsync();
        var tables = await NamesAsync(c, "table' AND name NOT LIKE 'sqlite_%");
        var sql = new StringBuilder();
        foreach (var table in tables)
            foreach (var operation in (string[])["INSERT", "UPDATE", "DELETE"])
                sql.Append(CultureInfo.InvariantCulture, $"CREATE TRIGGER \"full_{table}_{operation}\" BEFORE {operation} ON \"{table}\" BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");
        await using var create = c.CreateCommand();
        create.CommandText = sql.ToString();
        await create.ExecuteNonQueryAsync(Ct);
    }

    private async Task RepairSqliteAsync()
    {
        await using var c = await OpenAsync();
        var names = await NamesAsync(c, "trigger' AND name LIKE 'full_%");
        await using var drop = c.CreateCommand();
        drop.CommandText = string.Concat(names.Select(n => $"DROP TRIGGER \"{n}\";"));
        await drop.ExecuteNonQueryAsync(Ct);
    }

    /// <summary>The names in sqlite_master of the type (and condition) given.</summary>
    private static async Task<List<string>> NamesAsync(SqliteConnection c, string typeAndCondition)
    {
        var names = new List<string>();
        await using var list = c.CreateCommand();
        list.CommandText = $"SELECT name FROM sqlite_master WHERE type = '{typeAndCondition}'";
        await using var reader = await list.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) names.Add(reader.GetString(0));
        return names;
    }

    private string Signed(string template)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(ServedRequests.Template(template));
        var key = KeyStore.Load(Path.Combine(_cli.Data, "keys")).FindXmlSigningKey(DemoEnvironment.Supplier)!;
        return Encoding.UTF8.GetString(DuisSigner.SignAndSerialise(document, key));
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(Uri server, string signed, WebService service = WebService.SendCommand)
    {
        using var content = new StringContent(signed, Encoding.UTF8, "application/xml");
        using var response = await _http.PostAsync(new Uri(server, service.Path()), content, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private static ResponseCode CodeOf(string body)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(body);
        return DuisResponse.Read(document).ResponseCode;
    }

    private async Task<(HttpStatusCode Status, JsonElement Report)> HealthAsync(Uri server)
    {
        using var response = await _http.GetAsync(new Uri(server, "/health"), Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }

    [Fact]
    public Task On_SQLite_an_unwritable_database_gets_no_I99_or_I0_fails_health_logs_once_and_service_resumes_by_itself() =>
        UnwritableAsync();

    [Fact]
    public async Task On_PostgreSQL_an_unwritable_database_gets_no_I99_or_I0_fails_health_logs_once_and_service_resumes_by_itself()
    {
        await InitialisePostgresAsync();
        await UnwritableAsync();
    }

    private async Task UnwritableAsync()
    {
        var port = OpenduisProcesses.FreePort();
        var serve = await _cli.ServeAsync(port);
        var server = new Uri($"http://127.0.0.1:{port}/");
        const string read = "ECS17b_4.1.1_SINGLE_SUCCESS";

        var (status, body) = await SendAsync(server, Signed(read));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ResponseCode.I99, CodeOf(body));
        Assert.Equal(HttpStatusCode.OK, (await HealthAsync(server)).Status);
        await Task.Delay(500, Ct); // its device response is written to the outbox

        await BreakAsync();
        // A Non-Device request answered with data (8.2 Read Inventory, I0) is not answered before its entry is recorded.
        (status, body) = await SendAsync(server, Signed(ReadInventory), WebService.NonDevice);
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"8.2: HTTP {(int)status} {body}");
        Assert.Matches("could not be recorded|was not accepted: the DCC cannot record it", body);
        var refused = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var request = Signed(read);
            (status, body) = await SendAsync(server, request);
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"request {i}: HTTP {(int)status} {body}");
            // Refused by its own write (the command, its entry and counter recorded before I99), or at the door
            // once a write (this one's, the outbox's, the request log's behind) has found the database failing.
            Assert.Matches("could not be recorded|was not accepted: the DCC cannot record it", body);
            Assert.Contains(Refusal, body);
            refused.Add(request);
        }
        var (healthStatus, health) = await HealthAsync(server);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
        Assert.Equal("failing", health.GetProperty("status").GetString());
        Assert.Equal("failing", health.GetProperty("database").GetProperty("status").GetString());
        Assert.Contains(Refusal, health.GetProperty("database").GetProperty("reason").GetString());

        // The request log retries its write every 200 ms meanwhile: the log says it once, without a stack trace.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var output = _cli.OutputOf(serve);
        // Whichever wrote first (the request log, the outbox) says it once; none twice.
        var failing = Components.Where(c => output.Contains($"The database is failing: the {c} cannot be written", StringComparison.Ordinal)).ToList();
        Assert.True(failing.Count > 0, output);
        Assert.All(Components, c => Assert.True(Count(output, $"The database is failing: the {c} cannot be written") <= 1, output));
        Assert.Contains(Refusal, output);
        Assert.False(output.Contains("   at ", StringComparison.Ordinal), output);

        await RepairAsync();
        for (var i = 0; i < 100 && (await HealthAsync(server)).Status != HttpStatusCode.OK; i++) await Task.Delay(100, Ct);
        (healthStatus, health) = await HealthAsync(server);
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("ok", health.GetProperty("database").GetProperty("status").GetString());
        output = await RecoveryLinesAsync(serve);
        Assert.All(failing, c => Assert.Equal(1, Count(output, $"The database is writable again: the {c} writes")));
        Assert.All(Components, c => Assert.True(Recovered(output, c), output));

        // A new request, and one refused before (its Request ID free again, not E55), are acknowledged.
        (status, body) = await SendAsync(server, Signed(read));
        Assert.Equal(ResponseCode.I99, CodeOf(body));
        (status, body) = await SendAsync(server, refused[0]);
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(ResponseCode.I99, CodeOf(body));
        serve.Kill(true);
    }

    private const string ReadInventory = "8.2_READ_INVENTORY";

    [Fact]
    public Task On_SQLite_an_idle_server_reports_an_unwritable_database_within_seconds_and_its_recovery() => IdleAsync();

    [Fact]
    public async Task On_PostgreSQL_an_idle_server_reports_an_unwritable_database_within_seconds_and_its_recovery()
    {
        await InitialisePostgresAsync();
        await IdleAsync();
    }

    /// <summary>No request is sent while the database fails: the storage probe's heartbeat write finds it.</summary>
    private async Task IdleAsync()
    {
        var port = OpenduisProcesses.FreePort();
        var serve = await _cli.ServeAsync(port);
        var server = new Uri($"http://127.0.0.1:{port}/");
        Assert.Equal(HttpStatusCode.OK, (await HealthAsync(server)).Status);

        await BreakAsync();
        var (status, health) = await WaitForHealthAsync(server, HttpStatusCode.ServiceUnavailable);
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"/health still ok {Probing} after the database stopped taking writes: {health}");
        // On SQLite nothing else writes while idle (an outbox poll with nothing due changes no row); PostgreSQL refuses the
        // outbox's poll too, an UPDATE even of no row, and whichever comes first reports it.
        if (!OnPostgres) Assert.Equal(OpenDuis.Server.Observability.StorageProbe.Component, health.GetProperty("database").GetProperty("component").GetString());
        Assert.Contains(Refusal, health.GetProperty("database").GetProperty("reason").GetString());

        await RepairAsync();
        (status, health) = await WaitForHealthAsync(server, HttpStatusCode.OK);
        Assert.True(status == HttpStatusCode.OK, $"/health still failing {Probing} after the database took writes again: {health}");
        var output = await RecoveryLinesAsync(serve);
        Assert.Contains(OnPostgres ? "The database is failing: the " : $"The database is failing: the {OpenDuis.Server.Observability.StorageProbe.Component} cannot be written", output);
        Assert.All(Components, c =>
        {
            var failing = Count(output, $"The database is failing: the {c} cannot be written");
            Assert.True(failing <= 1, output);
            Assert.Equal(failing, Count(output, $"The database is writable again: the {c} writes"));
        });
        serve.Kill(true);
    }

    /// <summary>
    /// The output once every component that said it was failing has said it is writable again (or 5 s passed): the
    /// console logger writes from its own queue, so its lines may follow /health by a moment. A component whose first
    /// failed write came after an earlier look at the output says so, and its recovery, too.
    /// </summary>
    private async Task<string> RecoveryLinesAsync(System.Diagnostics.Process serve)
    {
        for (var i = 0; i < 50 && !Components.All(c => Recovered(_cli.OutputOf(serve), c)); i++) await Task.Delay(100, Ct);
        return _cli.OutputOf(serve);
    }

    /// <summary>Each recovery said once, after its failure.</summary>
    private static bool Recovered(string text, string component) =>
        Count(text, $"The database is writable again: the {component} writes") == Math.Min(1, Count(text, $"The database is failing: the {component} cannot be written"));

    /// <summary>Three probe intervals: the first may have just passed, and a busy machine delays the next.</summary>
    private static readonly TimeSpan Probing = 3 * OpenDuis.Server.Observability.StorageProbe.Interval + TimeSpan.FromSeconds(2);

    private async Task<(HttpStatusCode Status, JsonElement Report)> WaitForHealthAsync(Uri server, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow + Probing;
        var health = await HealthAsync(server);
        while (health.Status != wanted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
            health = await HealthAsync(server);
        }
        return health;
    }

    [Fact]
    public async Task A_SMETS1_request_refused_503_is_accepted_when_sent_again_after_the_recovery_and_its_replay_is_then_E63()
    {
        var port = OpenduisProcesses.FreePort();
        var serve = await _cli.ServeAsync(port);
        var server = new Uri($"http://127.0.0.1:{port}/");
        var keys = KeyStore.Load(Path.Combine(_cli.Data, "keys"));
        var security = new DuisSecurity(keys);
        var counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var smets1 = Encoding.UTF8.GetString(security.SignAndSerialise(
            ServedRequests.Read411(DemoEnvironment.Supplier, Smets1Esme, counter).ToXmlDocument(), keys.FindXmlSigningKey(DemoEnvironment.Supplier)!));

        // Sent at once, before anything else has found the database failing: its own record fails.
        await BreakAsync();
        var (status, body) = await SendAsync(server, smets1);
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"HTTP {(int)status} {body}");

        await RepairAsync();
        Assert.Equal(HttpStatusCode.OK, (await WaitForHealthAsync(server, HttpStatusCode.OK)).Status);
        (status, body) = await SendAsync(server, smets1);
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(ResponseCode.I99, CodeOf(body));
        // Once answered (no longer in process: E55 until then, which a loaded machine can stretch), a replay of the same counter is barred.
        var replayDeadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            (status, body) = await SendAsync(server, smets1);
            Assert.True(status == HttpStatusCode.OK, body);
        }
        while (CodeOf(body) == ResponseCode.E55 && DateTime.UtcNow < replayDeadline);
        Assert.Equal(ResponseCode.E63, CodeOf(body));
        serve.Kill(true);
    }

    private static readonly Eui Smets1Esme = Eui.Parse("00-DB-12-34-56-78-91-A0");

    private static readonly string[] Components = [Core.AccessControl.DurableRequestLog.Component, OpenDuis.Server.Delivery.OutboxDeliveryWorker.Component, Network.EmulatedSmWan.Component,
        OpenDuis.Server.Observability.StorageProbe.Component, OpenDuis.Server.Schedules.ScheduleExecutorWorker.Component];

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
