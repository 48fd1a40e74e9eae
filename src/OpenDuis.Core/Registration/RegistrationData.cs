using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;

namespace OpenDuis.Core.Registration;

/// <summary>Which responsibility for a Metering Point a registration records.</summary>
public enum RegisteredRole
{
    /// <summary>The Registered Supplier (an Import/Export Supplier for an MPAN, the Gas Supplier for an MPRN).</summary>
    Supplier,
    /// <summary>The Electricity Distributor (MPAN) or Gas Transporter (MPRN).</summary>
    NetworkOperator,
}

/// <summary>
/// Registration Data (SEC Section E): the Party registered for one role of one MPxN over a
/// half-open period [EffectiveFrom, EffectiveTo). An open-ended period has no EffectiveTo.
/// </summary>
public sealed record RegistrationPeriod(Mpxn Mpxn, RegisteredRole Role, PartyId Party, DateTimeOffset EffectiveFrom, DateTimeOffset? EffectiveTo = null)
{
    public bool Covers(DateTimeOffset at) => at >= EffectiveFrom && (EffectiveTo is null || at < EffectiveTo);
}

/// <summary>
/// The history of one role of one MPxN, oldest first, periods not overlapping. Registering a new
/// Party from a date closes the open period there (a change of supplier), and keeps the history.
/// </summary>
public sealed class RegistrationHistory
{
    private readonly RegistrationPeriod[] _periods;

    public RegistrationHistory(IEnumerable<RegistrationPeriod> periods) =>
        _periods = [.. periods.OrderBy(p => p.EffectiveFrom)];

    public IReadOnlyList<RegistrationPeriod> Periods => _periods;

    /// <summary>The Party registered at <paramref name="at"/>, or null if none.</summary>
    public PartyId? PartyAt(DateTimeOffset at)
    {
        // Newest first: the look-up is nearly always about now.
        for (var i = _periods.Length - 1; i >= 0; i--)
        {
            var p = _periods[i];
            if (p.EffectiveFrom <= at) return p.Covers(at) ? p.Party : null;
        }
        return null;
    }

    /// <summary>
    /// The history after registering <paramref name="next"/>: periods starting at or after its start
    /// are replaced (a corrected registration), an open or overlapping earlier period is cut at its start.
    /// </summary>
    public RegistrationHistory With(RegistrationPeriod next)
    {
        var kept = new List<RegistrationPeriod>(_periods.Length + 1);
        foreach (var p in _periods)
        {
            if (p.EffectiveFrom >= next.EffectiveFrom) continue;
            kept.Add(p.EffectiveTo is null || p.EffectiveTo > next.EffectiveFrom ? p with { EffectiveTo = next.EffectiveFrom } : p);
        }
        kept.Add(next);
        return new RegistrationHistory(kept);
    }
}
