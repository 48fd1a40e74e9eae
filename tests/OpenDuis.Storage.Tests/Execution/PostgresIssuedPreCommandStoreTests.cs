using Npgsql;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Execution;

namespace OpenDuis.Storage.Tests.Execution;

/// <summary>
/// The Pre-Commands nodes sharing a PostgreSQL database issue (migration 0030), so a Signed Pre-Command is correlated
/// on any node (E51): kept field for field, read without taking by the node that admits it and taken once by the node
/// that executes it, forgotten after a day; and the node numbers in the ResponseIDs each node originates.
/// </summary>
public sealed class PostgresIssuedPreCommandStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero);
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Esme = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin, _scoped;
    private readonly List<NpgsqlDataSource> _pools = [];

    public async ValueTask InitializeAsync() => (_admin, _scoped) = await PostgresTestSchema.CreateAsync(_schema);

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools) await pool.DisposeAsync();
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }

    private NpgsqlDataSource Pool()
    {
        var pool = NpgsqlDataSource.Create(_scoped!);
        _pools.Add(pool);
        return pool;
    }

    private static StoredPreCommand PreCommand(ulong counter, DateTimeOffset at) => new(DuisSchemaVersion.V5_4, new RequestId(Supplier, Esme, counter),
        CommandVariant.TransformCritical, ServiceReference.Parse("1.1"), ServiceReferenceVariant.Parse("1.1.1"), [1, 2, 3, 250], 17, "ECS01a", 0x0001, at);

    [Fact]
    public async Task A_Pre_Command_issued_by_one_node_is_read_by_another_and_taken_once_by_the_node_that_executes_it()
    {
        var (a, b) = (await PostgresIssuedPreCommandStore.OpenAsync(Pool(), Ct), await PostgresIssuedPreCommandStore.OpenAsync(Pool(), Ct));
        var issued = PreCommand(7, Now);
        await a.IssueAsync(issued, Ct);

        // Node b admits the Signed Pre-Command and checks it against the Pre-Command; the Device's owner then takes it.
        var read = await b.FindAsync(issued.TransformId, take: false, Ct);
        Assert.NotNull(read);
        Assert.Equal((issued.SchemaVersion, issued.TransformId, issued.CommandVariant, issued.ServiceReference, issued.ServiceReferenceVariant, issued.BodyLength,
            issued.UseCase, issued.MessageCode, issued.IssuedAt), (read.SchemaVersion, read.TransformId, read.CommandVariant, read.ServiceReference,
            read.ServiceReferenceVariant, read.BodyLength, read.UseCase, read.MessageCode, read.IssuedAt));
        Assert.Equal(issued.Body, read.Body);
        Assert.NotNull(await a.FindAsync(issued.TransformId, take: true, Ct));
        Assert.Null(await b.FindAsync(issued.TransformId, take: true, Ct));

        // Issued again for the same key: the later replaces it. After a day it is forgotten.
        await a.IssueAsync(PreCommand(8, Now), Ct);
        await a.IssueAsync(PreCommand(8, Now.AddMinutes(1)), Ct);
        Assert.Equal(Now.AddMinutes(1), (await b.FindAsync(new RequestId(Supplier, Esme, 8), take: false, Ct))!.IssuedAt);
        Assert.Equal(1, await b.PruneAsync(Now.AddDays(1).AddMinutes(2), Ct));
        Assert.Null(await a.FindAsync(new RequestId(Supplier, Esme, 8), take: false, Ct));
    }

    [Fact]
    public async Task Nodes_starting_on_the_database_take_different_node_numbers_for_their_ResponseIDs()
    {
        var pool = Pool();
        await PostgresIssuedPreCommandStore.OpenAsync(pool, Ct);
        var numbers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostgresIssuedPreCommandStore.TakeNodeNumberAsync(pool, Core.Alerts.ResponseCounter.NodeNumbers, Ct)));
        Assert.Equal(8, numbers.Distinct().Count());
        Assert.All(numbers, n => Assert.InRange(n, 0, Core.Alerts.ResponseCounter.NodeNumbers - 1));
    }
}
