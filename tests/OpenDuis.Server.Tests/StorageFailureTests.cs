using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using Microsoft.Data.Sqlite;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Server.Tests;

/// <summary>
/// A database that stops taking writes, under a real <c>openduis serve</c>: every write to it fails
/// with "database or disk is full", through the real stores, as a full disk makes them fail (triggers
/// that RAISE on every table: file modes do not stop root, and a tmpfs to fill is not available).
/// No request is acknowledged I99 while its record cannot be written (HTTP 503 with the reason),
/// /health says the database is failing, the log says so once, and service resumes by itself.
/// </summary>
public sealed class StorageFailureTests : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly OpenduisProcesses _cli = new("openduis-storage-");
    private readonly HttpClient _http = new();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _cli.DisposeAsync();
    }

    private string Database => Path.Combine(_cli.Data, "openduis.db");

    private async Task<SqliteConnection> OpenAsync()
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Database, Pooling = false, DefaultTimeout = 30 }.ToString());
        await c.OpenAsync(Ct);
        return c;
    }

    /// <summary>Makes every insert, update and delete on every table fail as a full disk does.</summary>
    private async Task BreakAsync()
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

    private async Task RepairAsync()
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
        document.LoadXml(RequestPathTests.Template(template));
        var key = KeyStore.Load(Path.Combine(_cli.Data, "keys")).FindXmlSigningKey(DemoEnvironment.Supplier)!;
        return Encoding.UTF8.GetString(DuisSigner.SignAndSerialise(document, key));
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(Uri server, string signed)
    {
        using var content = new StringContent(signed, Encoding.UTF8, "application/xml");
        using var response = await _http.PostAsync(new Uri(server, "/api/v1/serviceS"), content, Ct);
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
    public async Task An_unwritable_database_gets_no_I99_fails_health_logs_once_and_service_resumes_by_itself()
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
        var refused = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var request = Signed(read);
            (status, body) = await SendAsync(server, request);
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"request {i}: HTTP {(int)status} {body}");
            // Refused by its own write (the command, its entry and counter recorded before I99), or at the door
            // once a write (this one's, the outbox's, the request log's behind) has found the database failing.
            Assert.Matches("could not be recorded|was not accepted: the DCC cannot record it", body);
            Assert.Contains("database or disk is full", body);
            refused.Add(request);
        }
        var (healthStatus, health) = await HealthAsync(server);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
        Assert.Equal("failing", health.GetProperty("status").GetString());
        Assert.Equal("failing", health.GetProperty("database").GetProperty("status").GetString());
        Assert.Contains("database or disk is full", health.GetProperty("database").GetProperty("reason").GetString());

        // The request log retries its write every 200 ms meanwhile: the log says it once, without a stack trace.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var output = _cli.OutputOf(serve);
        // Whichever wrote first (the request log, the outbox) says it once; none twice.
        var failing = Components.Where(c => output.Contains($"The database is failing: the {c} cannot be written", StringComparison.Ordinal)).ToList();
        Assert.True(failing.Count > 0, output);
        Assert.All(Components, c => Assert.True(Count(output, $"The database is failing: the {c} cannot be written") <= 1, output));
        Assert.Contains("database or disk is full", output);
        Assert.False(output.Contains("   at ", StringComparison.Ordinal), output);

        await RepairAsync();
        for (var i = 0; i < 100 && (await HealthAsync(server)).Status != HttpStatusCode.OK; i++) await Task.Delay(100, Ct);
        (healthStatus, health) = await HealthAsync(server);
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("ok", health.GetProperty("database").GetProperty("status").GetString());
        output = _cli.OutputOf(serve);
        Assert.All(Components, c => Assert.Equal(failing.Contains(c) ? 1 : 0, Count(output, $"The database is writable again: the {c} writes")));

        // A new request, and one refused before (its Request ID free again, not E55), are acknowledged.
        (status, body) = await SendAsync(server, Signed(read));
        Assert.Equal(ResponseCode.I99, CodeOf(body));
        (status, body) = await SendAsync(server, refused[0]);
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(ResponseCode.I99, CodeOf(body));
        serve.Kill(true);
    }

    private static readonly string[] Components = [Core.AccessControl.DurableRequestLog.Component, Delivery.OutboxDeliveryWorker.Component, Network.EmulatedSmWan.Component];

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
