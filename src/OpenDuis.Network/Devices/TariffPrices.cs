using System.Globalization;
using System.Xml;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Network.Devices;

/// <summary>
/// The prices of the tariff a meter holds (DUIS 1.1.1 and 1.2.1 sr:PriceElements; read back by 4.11.1):
/// the currency, the standing charge and its scale, the price scale and the TOU prices by index.
/// Block prices are not kept: a block tariff's meter reports its TOU prices as none.
/// </summary>
public sealed record TariffPrices(string Currency, long StandingCharge, int StandingChargeScale, int PriceScale, IReadOnlyList<long> TouPrices)
{
    /// <summary>What a meter holds before any tariff is written: a two-rate tariff in GBP at a scale of 10^-5 (millipence).</summary>
    public static TariffPrices Default { get; } = new("GBP", 20000, -5, -5, [2121, 3127]);

    /// <summary>
    /// The prices a tariff write carries (sr:PriceElements of 1.1.1 / 1.2.1, electricity or gas), keeping
    /// <paramref name="current"/>'s for what it leaves out; <paramref name="current"/> when it carries none.
    /// </summary>
    public static TariffPrices From(XmlElement body, TariffPrices current)
    {
        var prices = body.FirstElement("ElectricityPriceElements", DuisNamespaces.ServiceUserGateway)
            ?? body.FirstElement("GasPriceElements", DuisNamespaces.ServiceUserGateway);
        if (prices is null) return current;
        long? Number(XmlElement scope, string name) =>
            long.TryParse(scope.FirstElement(name, DuisNamespaces.ServiceUserGateway)?.InnerText.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
        var tou = new SortedDictionary<int, long>();
        foreach (XmlElement p in prices.GetElementsByTagName("TOUPrice", DuisNamespaces.ServiceUserGateway))
            if (int.TryParse(p.GetAttribute("index"), CultureInfo.InvariantCulture, out var i)
                && long.TryParse(p.InnerText.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var price))
                tou[i] = price;
        var currency = body.FirstElement("CurrencyUnits", DuisNamespaces.ServiceUserGateway)?.InnerText.Trim();
        return new TariffPrices(string.IsNullOrEmpty(currency) ? current.Currency : currency,
            Number(prices, "StandingCharge") ?? current.StandingCharge,
            (int)(Number(prices, "StandingChargeScale") ?? current.StandingChargeScale),
            (int)(Number(prices, "PriceScale") ?? current.PriceScale),
            tou.Count > 0 ? [.. tou.Values] : prices.FirstElement("BlockTariff", DuisNamespaces.ServiceUserGateway) is null ? current.TouPrices : []);
    }
}
