using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>Registration Data (who is registered for an MPxN, when) over SQL, on SQLite or PostgreSQL.</summary>
public sealed class SqlRegistrationStore(SqlConnectionSource connections) : IRegistrationStore
{
    public async Task RegisterAsync(RegistrationPeriod period, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await using var work = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        var tx = work.Transaction;
        await RegisterAsync(c, tx, period, cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same rule as <see cref="RegistrationHistory.With"/>, in SQL.</summary>
    private const string RegisterSql =
        "DELETE FROM registrations WHERE mpxn = @Mpxn AND role = @Role AND effective_from_us >= @From; " +
        "UPDATE registrations SET effective_to_us = @From WHERE mpxn = @Mpxn AND role = @Role AND effective_from_us < @From " +
        "AND (effective_to_us IS NULL OR effective_to_us > @From); " +
        "INSERT INTO registrations (mpxn, role, party_id, effective_from_us, effective_to_us) VALUES (@Mpxn, @Role, @Party, @From, @To)";

    private static void EnsureOrdered(RegistrationPeriod period)
    {
        if (period.EffectiveTo is { } to && to <= period.EffectiveFrom)
            throw new ArgumentException($"Registration of {period.Mpxn} ends ({to:O}) before it starts ({period.EffectiveFrom:O}).", nameof(period));
    }

    private static DbParameter Parameter(DbCommand command, string name)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.DbType = name switch
        {
            "From" or "To" => System.Data.DbType.Int64,
            _ => System.Data.DbType.String,
        };
        command.Parameters.Add(p);
        return p;
    }

    private static Task RegisterAsync(DbConnection c, DbTransaction tx, RegistrationPeriod period, CancellationToken cancellationToken)
    {
        EnsureOrdered(period);
        return c.ExecuteAsync(new CommandDefinition(
            RegisterSql,
            new
            {
                Mpxn = period.Mpxn.ToString(),
                Role = period.Role.ToString(),
                Party = period.Party.Value,
                From = Db.Micros(period.EffectiveFrom),
                To = period.EffectiveTo is { } t ? Db.Micros(t) : (long?)null,
            }, tx, cancellationToken: cancellationToken));
    }

    private const string RegistrationSelect =
        "SELECT mpxn AS Mpxn, role AS Role, party_id AS Party, effective_from_us AS EffectiveFrom, effective_to_us AS EffectiveTo FROM registrations";

    public async Task<RegistrationHistory> HistoryAsync(Mpxn mpxn, RegisteredRole role, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var rows = await c.QueryAsync<RegistrationRow>(new CommandDefinition(
            RegistrationSelect + " WHERE mpxn = @Mpxn AND role = @Role ORDER BY effective_from_us",
            new { Mpxn = mpxn.ToString(), Role = role.ToString() }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new RegistrationHistory(rows.Select(r => r.ToPeriod(PartyId.Parse(r.Party))));
    }

    public async Task<PartyId?> RegisteredPartyAsync(Mpxn mpxn, RegisteredRole role, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var party = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT party_id FROM registrations WHERE mpxn = @Mpxn AND role = @Role AND effective_from_us <= @At " +
            "AND (effective_to_us IS NULL OR effective_to_us > @At)",
            new { Mpxn = mpxn.ToString(), Role = role.ToString(), At = Db.Micros(at) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return party is null ? null : PartyId.Parse(party);
    }

    public async IAsyncEnumerable<RegistrationPeriod> ReadRegistrationsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        // A few Parties are registered for millions of MPxNs: one PartyId (one string) each.
        var parties = new Dictionary<string, PartyId>(StringComparer.Ordinal);
        await foreach (var row in c.QueryUnbufferedAsync<RegistrationRow>(RegistrationSelect + " ORDER BY mpxn, role, effective_from_us")
                           .WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!parties.TryGetValue(row.Party, out var party)) parties[row.Party] = party = PartyId.Parse(row.Party);
            yield return row.ToPeriod(party);
        }
    }

    public async Task<long> ImportRegistrationsAsync(IAsyncEnumerable<RegistrationPeriod> periods, CancellationToken cancellationToken = default)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // One prepared command, parameters rebound per row: millions of rows parse the SQL once.
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = RegisterSql;
        var mpxn = Parameter(command, "Mpxn");
        var role = Parameter(command, "Role");
        var party = Parameter(command, "Party");
        var from = Parameter(command, "From");
        var to = Parameter(command, "To");
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        long count = 0;
        await foreach (var p in periods.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            EnsureOrdered(p);
            mpxn.Value = p.Mpxn.ToString();
            role.Value = p.Role.ToString();
            party.Value = p.Party.Value;
            from.Value = Db.Micros(p.EffectiveFrom);
            to.Value = p.EffectiveTo is { } t ? Db.Micros(t) : DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            count++;
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }
}
