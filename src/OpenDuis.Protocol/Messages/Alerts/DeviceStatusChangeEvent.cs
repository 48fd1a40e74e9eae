using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Xml;
using OpenDuis.Protocol.Domain;
using static OpenDuis.Protocol.Messages.Alerts.AlertXml;

namespace OpenDuis.Protocol.Messages.Alerts;

/// <summary>An ESME variant of the XSD's sr:ESMEVariant enumeration (A, B, C, AD, … AEG).</summary>
public readonly record struct EsmeVariant
{
    private static readonly FrozenSet<string> Known = new[]
    {
        "A", "B", "C", "AD", "BD", "CD", "ADE", "BDE", "CDE", "ADF", "BDF", "CDF", "ADEF", "BDEF", "CDEF",
        "ADG", "ADEG", "AF", "BF", "CF", "AEF", "BEF", "CEF", "AG", "AEG",
    }.ToFrozenSet(StringComparer.Ordinal);

    private EsmeVariant(string code) => Code = code;

    public string Code { get; }

    public static bool TryParse([NotNullWhen(true)] string? text, out EsmeVariant variant)
    {
        var ok = text is not null && Known.Contains(text);
        variant = ok ? new EsmeVariant(text!) : default;
        return ok;
    }

    public static EsmeVariant Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not an ESME variant of sr:ESMEVariant ({string.Join(", ", Known.Order())}).");

    public override string ToString() => Code;
}

/// <summary>
/// N1, N2, N8, N9, N16, N28, N29, N44, N45: a Device's SMI Status has changed (DUIS 3.9.3,
/// sr:DeviceStatusChangeEvent).
/// </summary>
public sealed record DeviceStatusChangeEvent(Eui DeviceId, DeviceStatusChange Change) : DccAlertBody
{
    public override string Format => "DeviceStatusChangeEvent";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceID", DeviceId);
        Change.Write(Add(e, "DeviceStatusChange"));
    }
}

/// <summary>What changed (the sr:DeviceStatusChange choice).</summary>
public abstract record DeviceStatusChange
{
    private protected DeviceStatusChange() { }

    internal abstract void Write(AlertContent deviceStatusChange);

    /// <summary>sr:MeterIdentity: a meter was commissioned; its MPxNs and, for an ESME, its variant.</summary>
    public sealed record MeterIdentity(MeterMpxns Mpxns, EsmeVariant? EsmeVariant = null) : DeviceStatusChange
    {
        internal override void Write(AlertContent e)
        {
            var x = Add(e, "MeterIdentity");
            Mpxns.Write(Add(x, "MeterMPxNs"));
            if (EsmeVariant is { } v) Add(x, "ESMEVariant", v.Code);
        }
    }

    /// <summary>
    /// sr:MeterDecommissioningOrWithdrawal: a meter was decommissioned or withdrawn, with up to seven
    /// Type 1 Devices associated with it.
    /// </summary>
    public sealed record MeterDecommissioningOrWithdrawal(MeterMpxns Mpxns, IReadOnlyList<AssociatedDevice>? AssociatedType1Devices = null) : DeviceStatusChange
    {
        public IReadOnlyList<AssociatedDevice> AssociatedType1Devices { get; init; } = AssociatedType1Devices is null ? []
            : AssociatedType1Devices.Count <= 7 ? AssociatedType1Devices.ToArray()
            : throw new ArgumentException("At most seven associated Type 1 Devices are reported (sr:AssociatedType1Device maxOccurs 7).", nameof(AssociatedType1Devices));

        internal override void Write(AlertContent e)
        {
            var x = Add(e, "MeterDecommissioningOrWithdrawal");
            Mpxns.Write(Add(x, "MeterDecommissionOrWithdrawal"));
            foreach (var d in AssociatedType1Devices)
            {
                var a = Add(x, "AssociatedType1Device");
                Add(a, "DeviceID", d.DeviceId);
                Add(a, "DeviceType", Text(d.DeviceType));
            }
        }
    }

    /// <summary>sr:DeviceRemovedFromInventory.</summary>
    public sealed record DeviceRemovedFromInventory : DeviceStatusChange
    {
        internal override void Write(AlertContent e) => Add(e, "DeviceRemovedFromInventory");
    }

    /// <summary>sr:CHFDecommissioning: the Communications Hub Function was decommissioned.</summary>
    public sealed record ChfDecommissioning : DeviceStatusChange
    {
        internal override void Write(AlertContent e) => Add(e, "CHFDecommissioning");
    }

    /// <summary>sr:DeviceSuspended: the Device's product was removed from the Central Products List (SEC F2).</summary>
    public sealed record DeviceSuspended : DeviceStatusChange
    {
        internal override void Write(AlertContent e) => Add(e, "DeviceSuspended");
    }

    /// <summary>sr:DeviceRestored: the Device left the Suspended status.</summary>
    public sealed record DeviceRestored : DeviceStatusChange
    {
        internal override void Write(AlertContent e) => Add(e, "DeviceRestored");
    }

    /// <summary>
    /// sr:RecoveryCompleteACBCredentials: SMKI Recovery (SEC Appendix L) completed and placed ACB
    /// credentials: one to three Supplier certificate types, up to two Network Operator ones.
    /// </summary>
    public sealed record RecoveryCompleteAcbCredentials(IReadOnlyList<DeviceCertificateType> SupplierCertificates,
        IReadOnlyList<DeviceCertificateType>? NetworkOperatorCertificates = null) : DeviceStatusChange
    {
        public IReadOnlyList<DeviceCertificateType> SupplierCertificates { get; init; } = SupplierCertificates is { Count: >= 1 and <= 3 }
            ? SupplierCertificates.ToArray()
            : throw new ArgumentException("One to three Supplier certificate types are reported.", nameof(SupplierCertificates));

        public IReadOnlyList<DeviceCertificateType> NetworkOperatorCertificates { get; init; } = NetworkOperatorCertificates is null ? []
            : NetworkOperatorCertificates.Count <= 2 && !NetworkOperatorCertificates.Contains(DeviceCertificateType.KeyAgreementTopUp)
                ? NetworkOperatorCertificates.ToArray()
                : throw new ArgumentException("At most two Network Operator certificate types, DigitalSigning or KeyAgreement, are reported.", nameof(NetworkOperatorCertificates));

        internal override void Write(AlertContent e)
        {
            var x = Add(e, "RecoveryCompleteACBCredentials");
            foreach (var c in SupplierCertificates) Add(x, "SupplierCertificateType", c.ToString());
            foreach (var c in NetworkOperatorCertificates) Add(x, "NetworkOperatorCertificateType", c.ToString());
        }
    }

    /// <summary>sr:RecoveryComplete: SMKI Recovery completed (SEC Appendix L).</summary>
    public sealed record RecoveryComplete : DeviceStatusChange
    {
        internal override void Write(AlertContent e) => Add(e, "RecoveryComplete");
    }
}

/// <summary>sr:AssociatedType1Device.</summary>
public sealed record AssociatedDevice(Eui DeviceId, DeviceType DeviceType);
