using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>What an ESME's credit_charge_configuration says of its payment mode and SuspendDebt flags.</summary>
internal readonly record struct CreditChargeSettings(bool Prepayment, bool? SuspendDebtDisabled, bool? SuspendDebtEmergency);

/// <summary>
/// The ESME Account's (class 111, 0-0:19.0.0.255) credit_charge_configuration, which 1.6 ECS02/ECS03 write and 4.13 ECS26a reads
/// (item 17): an array of {credit_reference, charge_reference, collection_configuration (bit-string(3))}, one of the five forms
/// GBCS 18.2.1 allows (credit mode; prepayment with each SuspendDebt flag set or clear). That table was not at hand, so the
/// forms are read as RTDS 4.5.0's commands write them against their DUIS requests (<c>RtdsValueAgreementTests</c>):
/// <list type="bullet">
/// <item>credit mode (ECS02): only credit 0-0:19.10.0 paired with charges 0-0:19.20.0, 19.20.4 and (twin) 19.20.5;</item>
/// <item>prepayment (ECS03): credits 0-0:19.10.0 and 19.10.1 paired also with the time-based debt charges 0-0:19.20.1 and
/// 19.20.2 (the debt recovery rates ECS26a reads as items 0–6) and the payment-based debt charge 19.20.3;</item>
/// <item>SuspendDebtDisabled true: those time-debt pairs' collection_configuration has its third bit (0x20) clear (ECS03
/// immediate and future-dated: 110), false: set (ECS03 cancellation: 111);</item>
/// <item>SuspendDebtEmergency true: credit 0-0:19.10.2 has pairs (with 19.20.4, 19.20.1, 19.20.2; ECS03 immediate and
/// cancellation), false: it has none (ECS03 future-dated).</item>
/// </list>
/// </summary>
internal static class CreditChargeConfiguration
{
    /// <summary>OBIS C.D.E (A-B are 0-0, F 255) of the credits and charges the forms pair.</summary>
    private const int CreditGroup = 0x130A, ChargeGroup = 0x1314, SuspendDebtEmergencyCredit = 2;
    private static ReadOnlySpan<byte> TimeDebtCharges => [1, 2];
    private static ReadOnlySpan<byte> PrepaymentCharges => [1, 2, 3];

    /// <summary>The settings the configuration's form gives, or null when it is not an array of credit/charge pairs.</summary>
    public static CreditChargeSettings? Read(DlmsData? configuration)
    {
        if (configuration is not { Type: DlmsType.Array, Items.Count: > 0 }) return null;
        bool prepayment = false, anyCollectedWhenDisabled = false, anySuspendedWhenDisabled = false, emergencyPairs = false;
        foreach (var pair in configuration.Items)
        {
            if (pair is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.OctetString } credit, { Type: DlmsType.OctetString } charge, { Type: DlmsType.BitString } collection] }
                || Instance(credit, CreditGroup) is not { } c || Instance(charge, ChargeGroup) is not { } ch || collection.Octets.Length == 0)
                return null;
            if (c == SuspendDebtEmergencyCredit)
            {
                emergencyPairs = true;
                continue;
            }
            if (PrepaymentCharges.Contains(ch)) prepayment = true;
            if (!TimeDebtCharges.Contains(ch)) continue;
            if ((collection.Octets.Span[0] & 0x20) != 0) anyCollectedWhenDisabled = true;
            else anySuspendedWhenDisabled = true;
        }
        if (!prepayment) return new(false, null, null);
        bool? disabled = anySuspendedWhenDisabled == anyCollectedWhenDisabled ? null : anySuspendedWhenDisabled;
        return new(true, disabled, emergencyPairs);
    }

    /// <summary>E of a logical name 0-0:C.D.E.255 whose C.D is <paramref name="group"/>, or null.</summary>
    private static byte? Instance(DlmsData name, int group)
    {
        var n = name.Octets.Span;
        return n.Length == 6 && n[0] == 0 && n[1] == 0 && (n[2] << 8 | n[3]) == group && n[5] == 0xFF ? n[4] : null;
    }
}
