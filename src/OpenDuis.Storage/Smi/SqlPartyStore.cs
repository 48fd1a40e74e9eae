using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>Parties and their Users (roles, SMKI certificate references, endpoint) over SQL, on SQLite or PostgreSQL.</summary>
public sealed class SqlPartyStore(SqlConnectionSource connections) : IPartyStore
{
    public async Task SavePartyAsync(Party party, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await SavePartyAsync(c, s.Transaction, party, cancellationToken).ConfigureAwait(false);
    }

    private static Task SavePartyAsync(DbConnection c, DbTransaction? tx, Party party, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO parties (id, name, is_dcc) VALUES (@Id, @Name, @IsDcc) ON CONFLICT (id) DO UPDATE SET name = excluded.name, is_dcc = excluded.is_dcc",
            new { Id = party.Id.Value, party.Name, party.IsDcc }, tx, cancellationToken: cancellationToken));

    public async Task<Party?> FindPartyAsync(PartyId id, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var row = await c.QuerySingleOrDefaultAsync<PartyRow>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, is_dcc AS IsDcc FROM parties WHERE id = @Id", new { Id = id.Value }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToParty();
    }

    public async Task<IReadOnlyList<Party>> PartiesAsync(CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var rows = await c.QueryAsync<PartyRow>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, is_dcc AS IsDcc FROM parties ORDER BY id", transaction: s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToParty())];
    }

    public async Task SaveUserAsync(ServiceUser user, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await using var work = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        var tx = work.Transaction;
        await SaveUserAsync(c, tx, user, cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task SaveUserAsync(DbConnection c, DbTransaction tx, ServiceUser user, CancellationToken cancellationToken)
    {
        var id = Db.Key(user.Id);
        var partyExists = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM parties WHERE id = @Party", new { Party = user.Party.Value }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (partyExists == 0)
            throw new KeyNotFoundException($"User {user.Id} names Party '{user.Party}', which is not registered.");
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO users (id, party_id, status, response_endpoint, duis_version) VALUES (@Id, @Party, @Status, @Endpoint, @DuisVersion) " +
            "ON CONFLICT (id) DO UPDATE SET party_id = excluded.party_id, status = excluded.status, response_endpoint = excluded.response_endpoint, " +
            "duis_version = excluded.duis_version; " +
            "DELETE FROM user_roles WHERE user_id = @Id; DELETE FROM user_certificates WHERE user_id = @Id",
            new { Id = id, Party = user.Party.Value, Status = user.Status.ToString(), Endpoint = user.ResponseEndpoint?.ToString(), user.DuisVersion },
            tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (user.Roles.Count > 0)
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO user_roles (user_id, role) VALUES (@Id, @Role)",
                user.Roles.Select(r => new { Id = id, Role = r.Code() }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (user.Certificates.Count > 0)
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO user_certificates (user_id, serial_number, role_code, key_usage, name) VALUES (@Id, @SerialNumber, @RoleCode, @KeyUsage, @Name)",
                user.Certificates.Select(x => new { Id = id, x.SerialNumber, x.RoleCode, KeyUsage = x.KeyUsage.ToString(), x.Name }),
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<ServiceUser?> FindUserAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var users = await ReadUsersAsync(c, s.Transaction, " WHERE u.id = @Id", new { Id = Db.Key(id) }, cancellationToken).ConfigureAwait(false);
        return users.SingleOrDefault();
    }

    /// <summary>One row of one table, not the User with its roles and certificates (three queries).</summary>
    public async Task<UserAddress?> FindUserAddressAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var row = await s.Connection.QuerySingleOrDefaultAsync<AddressRow>(new CommandDefinition(
            "SELECT response_endpoint AS ResponseEndpoint, duis_version AS DuisVersion FROM users WHERE id = @Id", new { Id = Db.Key(id) }, s.Transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : new UserAddress(row.ResponseEndpoint is null ? null : new Uri(row.ResponseEndpoint, UriKind.Absolute), row.DuisVersion);
    }

    private sealed class AddressRow
    {
        public string? ResponseEndpoint { get; set; }
        public string DuisVersion { get; set; } = "";
    }

    public async IAsyncEnumerable<ServiceUser> ReadUsersAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Users number in the hundreds, not millions: read them whole.
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var u in await ReadUsersAsync(c, null, "", null, cancellationToken).ConfigureAwait(false))
            yield return u;
    }

    private static async Task<IReadOnlyList<ServiceUser>> ReadUsersAsync(DbConnection c, DbTransaction? tx, string where, object? args, CancellationToken cancellationToken)
    {
        var users = (await c.QueryAsync<UserRow>(new CommandDefinition(
            "SELECT u.id AS Id, u.party_id AS Party, u.status AS Status, u.response_endpoint AS ResponseEndpoint, u.duis_version AS DuisVersion FROM users u" + where + " ORDER BY u.id",
            args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var roles = (await c.QueryAsync<(long UserId, string Role)>(new CommandDefinition(
            "SELECT r.user_id, r.role FROM user_roles r JOIN users u ON u.id = r.user_id" + where, args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToLookup(r => r.UserId, r => UserRoles.ParseCode(r.Role));
        var certs = (await c.QueryAsync<CertificateRow>(new CommandDefinition(
            "SELECT x.user_id AS UserId, x.serial_number AS SerialNumber, x.role_code AS RoleCode, x.key_usage AS KeyUsage, x.name AS Name " +
            "FROM user_certificates x JOIN users u ON u.id = x.user_id" + where + " ORDER BY x.serial_number", args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToLookup(r => r.UserId, r => r.ToRef());
        return [.. users.Select(u => u.ToUser(roles[u.Id], certs[u.Id]))];
    }

    public async Task<long> ImportUsersAsync(IAsyncEnumerable<(Party Party, ServiceUser User)> rows, CancellationToken cancellationToken = default)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long count = 0;
        await foreach (var (party, user) in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await SavePartyAsync(c, tx, party, cancellationToken).ConfigureAwait(false);
            await SaveUserAsync(c, tx, user, cancellationToken).ConfigureAwait(false);
            count++;
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

}
