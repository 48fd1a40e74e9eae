using Dapper;
using Npgsql;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Migrations;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Execution;

/// <summary>
/// The Pre-Commands issued by every node sharing a PostgreSQL database (migration 0030), for Correlate (E51). A
/// SQLite data folder is one node, which keeps them in memory.
/// </summary>
public sealed class PostgresIssuedPreCommandStore : IIssuedPreCommandStore
{
    private const string Columns =
        "transform_id AS TransformId, schema_version AS SchemaVersion, command_variant AS CommandVariant, service_reference AS ServiceReference, " +
        "variant AS Variant, body AS Body, body_length AS BodyLength, use_case AS UseCase, message_code AS MessageCode, issued_us AS IssuedUs";

    private readonly NpgsqlDataSource _dataSource;

    private PostgresIssuedPreCommandStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Uses <paramref name="dataSource"/> (not disposed here), bringing the schema up to date.</summary>
    public static async Task<PostgresIssuedPreCommandStore> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using (var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            await Migrator.ApplyAsync(c, "postgres", PostgresSchemaLock.Sql, cancellationToken).ConfigureAwait(false);
        return new PostgresIssuedPreCommandStore(dataSource);
    }

    public async Task IssueAsync(StoredPreCommand preCommand, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preCommand);
        await using var c = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO issued_pre_commands (transform_id, schema_version, command_variant, service_reference, variant, body, body_length, use_case, message_code, issued_us) " +
            "VALUES (@TransformId, @SchemaVersion, @CommandVariant, @ServiceReference, @Variant, @Body, @BodyLength, @UseCase, @MessageCode, @IssuedUs) " +
            "ON CONFLICT (transform_id) DO UPDATE SET schema_version = excluded.schema_version, command_variant = excluded.command_variant, " +
            "service_reference = excluded.service_reference, variant = excluded.variant, body = excluded.body, body_length = excluded.body_length, " +
            "use_case = excluded.use_case, message_code = excluded.message_code, issued_us = excluded.issued_us",
            Row.From(preCommand), cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<StoredPreCommand?> FindAsync(RequestId key, bool take, CancellationToken cancellationToken = default)
    {
        await using var c = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            take ? $"DELETE FROM issued_pre_commands WHERE transform_id = @Id RETURNING {Columns}"
                 : $"SELECT {Columns} FROM issued_pre_commands WHERE transform_id = @Id",
            new { Id = key.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToPreCommand();
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var c = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteAsync(new CommandDefinition("DELETE FROM issued_pre_commands WHERE issued_us < @Before",
            new { Before = Db.Micros(before) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// A number for a starting node (the database's node_numbers sequence, from 0 to <paramref name="count"/> − 1 and
    /// round again): nodes started apart take different numbers until <paramref name="count"/> more have started.
    /// </summary>
    public static async Task<int> TakeNodeNumberAsync(NpgsqlDataSource dataSource, int count, CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var next = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT nextval('node_numbers')", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (int)((next - 1) % count);
    }

    private sealed class Row
    {
        public string TransformId { get; set; } = "";
        public string SchemaVersion { get; set; } = "";
        public int CommandVariant { get; set; }
        public string ServiceReference { get; set; } = "";
        public string Variant { get; set; } = "";
        public byte[] Body { get; set; } = [];
        public int BodyLength { get; set; }
        public string UseCase { get; set; } = "";
        public int MessageCode { get; set; }
        public long IssuedUs { get; set; }

        public static Row From(StoredPreCommand p) => new()
        {
            TransformId = p.TransformId.ToString(),
            SchemaVersion = p.SchemaVersion.ToString(),
            CommandVariant = (int)p.CommandVariant,
            ServiceReference = p.ServiceReference.ToString(),
            Variant = p.ServiceReferenceVariant.ToString(),
            Body = p.Body,
            BodyLength = p.BodyLength,
            UseCase = p.UseCase,
            MessageCode = p.MessageCode,
            IssuedUs = Db.Micros(p.IssuedAt),
        };

        public StoredPreCommand ToPreCommand() => new(DuisSchemaVersion.Parse(SchemaVersion), RequestId.Parse(TransformId),
            (Protocol.Domain.CommandVariant)CommandVariant, Protocol.Domain.ServiceReference.Parse(ServiceReference),
            ServiceReferenceVariant.Parse(Variant), Body, BodyLength, UseCase, (ushort)MessageCode, Db.Time(IssuedUs));
    }
}
