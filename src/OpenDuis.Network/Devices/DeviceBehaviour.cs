using System.Globalization;
using System.Text;
using System.Xml;
using OpenDuis.Gbcs;
using OpenDuis.Network.Gbcs;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Network.Devices;

/// <summary>What a device did with a command: its next state and the content of its GBCS response.</summary>
internal readonly record struct DeviceExecution(DeviceState Next, byte[] Content);

/// <summary>
/// How an emulated device executes the commands of each Service Reference Variant: the state it
/// changes, and the content of its response. Variants with no behaviour of their own answer with the
/// RTDS response content for their Message Code when an RTDS folder is configured, and otherwise
/// with a successful response carrying no data.
/// </summary>
internal static class DeviceBehaviour
{
    private static ServiceReferenceVariant V(string s) => ServiceReferenceVariant.Parse(s);

    private static readonly ServiceReferenceVariant ReadImportRegisters = V("4.1.1"), ReadExportRegisters = V("4.2"), ReadPrepayValues = V("4.3"),
        UpdateMeterBalance = V("1.5"), EnableSupply = V("7.1"), DisableSupply = V("7.2"), ArmSupply = V("7.3"), ReadSupplyStatus = V("7.4"),
        ReadFirmwareVersion = V("11.2"), ActivateFirmware = V("11.3");

    /// <summary>The tariff writes (DUIS 1.1.1, 1.1.2, 1.2.1, 1.2.2): the device keeps the tariff it was sent.</summary>
    private static readonly HashSet<ServiceReferenceVariant> TariffWrites = [V("1.1.1"), V("1.1.2"), V("1.2.1"), V("1.2.2")];

    /// <param name="original">The Service Request behind a Signed Pre-Command, when the DCC issued its Pre-Command.</param>
    public static DeviceExecution Execute(DeviceState state, DuisRequest request, DuisRequest? original, GbcsUseCase useCase,
        ulong counter, DateTimeOffset at, RtdsLibrary rtds)
    {
        var variant = request.ServiceReferenceVariant;
        // Read only by the variants whose values change the device (most commands never build the body's element).
        XmlElement? Body() => original?.Body ?? (request.IsSignedPreCommand ? null : request.Body);
        var next = state.Logged(new DeviceEvent(at, variant, request.RequestId));
        byte[]? content = null;
        // R-GBCS-2: the data of a Use Case GBCS encrypts goes out as protected attributes, encrypted for the recipient on sending.
        byte[] Access(params byte[][] data) => GbcsMessageCodes.IsEncrypted(useCase.MessageCode)
            ? Dlms.ProtectedAccessResponseOf(counter, state.Id, request.RequestId.Originator, data)
            : Dlms.AccessResponseOf(counter, data);

        if (variant == ReadImportRegisters)
        {
            var r = state.RegistersAt(at);
            content = useCase.IsDlms
                ? Access(Dlms.Unsigned32(r.ActiveImportWh), Dlms.ScalerUnit(0, Dlms.Wh), Dlms.Unsigned32(r.ReactiveImportVarh), Dlms.ScalerUnit(0, Dlms.Varh))
                : Zcl.CurrentSummationDelivered(counter, r.GasVolumeLitres);
        }
        else if (variant == ReadExportRegisters)
        {
            var r = state.RegistersAt(at);
            content = Access(Dlms.Unsigned32(r.ActiveExportWh), Dlms.ScalerUnit(0, Dlms.Wh), Dlms.Unsigned32(r.ReactiveExportVarh), Dlms.ScalerUnit(0, Dlms.Varh));
        }
        else if (variant == UpdateMeterBalance && Decimal(Body(), "AdjustMeterBalance") is { } adjustment)
            next = next with { MeterBalance = state.MeterBalance + (long)adjustment };
        else if (variant == ReadPrepayValues)
            content = useCase.IsDlms ? Access(PrepaymentBalances(state)) : Zcl.PrepaymentValues(counter, state.Prices, state.Prepayment);
        else if (variant == EnableSupply) next = next with { Supply = SupplyState.Enabled };
        else if (variant == DisableSupply) next = next with { Supply = SupplyState.Disabled };
        else if (variant == ArmSupply) next = next with { Supply = SupplyState.Armed };
        else if (variant == ReadSupplyStatus)
            content = Access(Dlms.EnumValue((byte)state.Supply));
        else if (variant == ActivateFirmware && Text(Body(), "FirmwareHash") is { Length: >= 8 } hash)
            // The image's version is inside the image the DCC distributed (11.1); the emulator names the version after its hash.
            next = next with { ActivatedFirmwareHash = hash, FirmwareVersion = hash[..8].ToUpperInvariant() };
        else if (variant == ReadFirmwareVersion)
            content = Access(Dlms.Octets(Encoding.ASCII.GetBytes(state.FirmwareVersion)));
        else if (TariffWrites.Contains(variant) && Body() is { } tariff)
            next = next with { Tariff = (tariff.LocalName, at), Prices = TariffPrices.From(tariff, state.Prices) };

        content ??= rtds.Response(useCase.MessageCode)?.Content.ToArray() ?? Success(useCase, counter);
        return new DeviceExecution(next, content);
    }

    /// <summary>
    /// 4.3 ECS19: GBCS's prepayment_balance_collection (0-0:94.44.34.30), the six double-long registers in its order (as the
    /// RTDS ECS19 response carries them): meter balance, emergency credit balance, accumulated debt, time-based debts 1 and 2,
    /// payment-based debt (<see cref="DeviceState.Prepayment"/>).
    /// </summary>
    internal static byte[][] PrepaymentBalances(DeviceState state)
    {
        var p = state.Prepayment;
        return [Dlms.Signed32(p.MeterBalance), Dlms.Signed32(p.EmergencyCreditBalance), Dlms.Signed32(p.AccumulatedDebt),
            Dlms.Signed32(p.TimeDebt1), Dlms.Signed32(p.TimeDebt2), Dlms.Signed32(p.PaymentDebt)];
    }

    /// <summary>A successful response carrying no data, in the content language of the Use Case.</summary>
    public static byte[] Success(GbcsUseCase useCase, ulong counter) =>
        useCase.IsDlms ? Dlms.AccessResponseOf(counter) : Zcl.DefaultResponse(counter);

    private static XmlElement? Find(XmlElement? body, string localName)
    {
        if (body is null) return null;
        return body.FirstElement(localName, DuisNamespaces.ServiceUserGateway);
    }

    private static string? Text(XmlElement? body, string localName) => Find(body, localName)?.InnerText.Trim();

    private static decimal? Decimal(XmlElement? body, string localName) =>
        decimal.TryParse(Text(body, localName), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
}

/// <summary>The ZigBee Cluster Library frames the emulated GSME and GPF write (ZCL 2.4: general command frames).</summary>
internal static class Zcl
{
    /// <summary>
    /// Read Attributes Response (0x01) of the Metering cluster's CurrentSummationDelivered (0x0000,
    /// uint48), server to client, in a GBZ component GBCS encrypts (GBCS 7.3; laid out as RTDS GCS13a):
    /// profile 0x0109, one component, control 0x03 (last, encrypted), cluster 0x0702, additional header,
    /// the ZCL header, then the ciphered information (0x31, invocation counter, the attribute records,
    /// a tag). The records stand in plaintext here: the Device's GBCS security encrypts them for the
    /// Remote Party as it sends the response.
    /// </summary>
    public static byte[] CurrentSummationDelivered(ulong counter, ulong value)
    {
        Span<byte> records = stackalloc byte[4 + 6];
        // attribute 0x0000, status success, type uint48, then the value little-endian
        records[0] = 0x00; records[1] = 0x00; records[2] = 0x00; records[3] = 0x25;
        for (var i = 0; i < 6; i++) records[4 + i] = (byte)(value >> (8 * i));
        var ciphered = 5 + records.Length + 12;
        var body = 2 + 3 + 2 + ciphered;
        var gbz = new List<byte> { 0x01, 0x09, 0x01, 0x03, 0x07, 0x02, (byte)(body >> 8), (byte)body };
        gbz.AddRange([0x00, 0x00, 0x18, (byte)counter, 0x01, (byte)(ciphered >> 8), (byte)ciphered, 0x31, 0x00, 0x00, 0x00, 0x00]);
        gbz.AddRange(records);
        gbz.AddRange(new byte[12]);
        return [.. gbz];
    }

    /// <summary>
    /// 4.3 GCS14, laid out as the RTDS GCS14 response: profile 0x0109, two components. The Price cluster (0x0700) in plaintext,
    /// a Read Attributes Response of Price Trailing Digit (0x0617, bitmap8: the number of decimal places in the high nibble)
    /// and Currency (0x0616, uint16, ISO 4217 numeric); then the Prepayment cluster (0x0705), encrypted (control 0x03), a Read
    /// Attributes Response of Accumulated Debt (0x0005), Emergency Credit Remaining (0x0002) and Credit Remaining (0x0001,
    /// the meter balance) as int32, and Debt Amount #3 (0x0231, the payment-based debt), #1 (0x0211) and #2 (0x0221, the
    /// time-based debts) as uint32. As in <see cref="CurrentSummationDelivered"/> the records stand in plaintext: the Device's
    /// GBCS security encrypts them for the Remote Party as it sends the response.
    /// </summary>
    public static byte[] PrepaymentValues(ulong counter, TariffPrices prices, PrepaymentRegisters p)
    {
        var trailingDigits = (byte)(Math.Clamp(-prices.PriceScale, 0, 15) << 4);
        var currency = prices.Currency == "GBP" ? (ushort)826 : (ushort)978;
        byte[] price = [0x08, (byte)counter, 0x01, 0x17, 0x06, 0x00, 0x18, trailingDigits, 0x16, 0x06, 0x00, 0x21, (byte)currency, (byte)(currency >> 8)];
        var records = new List<byte>(48);
        void Record(ushort attribute, byte type, long value)
        {
            records.AddRange([(byte)attribute, (byte)(attribute >> 8), 0x00, type]);
            for (var i = 0; i < 4; i++) records.Add((byte)(value >> (8 * i)));
        }
        Record(0x0005, 0x2B, p.AccumulatedDebt);
        Record(0x0002, 0x2B, p.EmergencyCreditBalance);
        Record(0x0001, 0x2B, p.MeterBalance);
        Record(0x0231, 0x23, p.PaymentDebt);
        Record(0x0211, 0x23, p.TimeDebt1);
        Record(0x0221, 0x23, p.TimeDebt2);
        var ciphered = 5 + records.Count + 12;
        var body = 2 + 3 + 2 + ciphered;
        var gbz = new List<byte> { 0x01, 0x09, 0x02, 0x00, 0x07, 0x00, 0x00, (byte)price.Length };
        gbz.AddRange(price);
        gbz.AddRange([0x03, 0x07, 0x05, (byte)(body >> 8), (byte)body]);
        gbz.AddRange([0x00, 0x00, 0x08, (byte)(counter + 1), 0x01, (byte)(ciphered >> 8), (byte)ciphered, 0x31, 0x00, 0x00, 0x00, 0x00]);
        gbz.AddRange(records);
        gbz.AddRange(new byte[12]);
        return [.. gbz];
    }

    /// <summary>Default Response (0x0B) with status success.</summary>
    public static byte[] DefaultResponse(ulong counter) => [0x18, (byte)counter, 0x0B, 0x00, 0x00];
}
