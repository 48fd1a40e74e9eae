using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Messages.Alerts;

/// <summary>Builds DCC Alerts (DUIS 3.6.3, 3.9) from a code and a typed body.</summary>
public static class DccAlerts
{
    /// <summary>
    /// A DCC Alert of <paramref name="code"/> with <paramref name="body"/>, which must be of the
    /// code's format; <paramref name="responseCode"/> defaults to the code's usual one and must be one
    /// the code may carry (<see cref="DccAlertCatalogue"/>).
    /// </summary>
    public static DuisResponse Create(DuisSchemaVersion schemaVersion, DccAlertCode code, DccAlertBody body, DateTimeOffset at,
        ResponseCode? responseCode = null, RequestId? requestId = null, RequestId? responseId = null,
        uint? throttledAlertSequenceId = null, uint? throttledAlertCount = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var definition = DccAlertCatalogue.Of(code);
        if (body.Format != definition.Format)
            throw new ArgumentException($"DCC Alert {code} carries an sr:{definition.Format} body, not sr:{body.Format} (DUIS 3.9.1 Table 2).", nameof(body));
        var carried = responseCode ?? definition.DefaultResponseCode;
        if (!definition.ResponseCodes.Contains(carried))
            throw new ArgumentException(
                $"DCC Alert {code} carries {string.Join(" or ", definition.ResponseCodes)}, not {carried} (DUIS 3.5.10 Table 1, 3.9.1 Table 2).", nameof(responseCode));
        return DuisResponse.CreateDccAlert(schemaVersion, code, carried, at, body, requestId, responseId, throttledAlertSequenceId, throttledAlertCount);
    }
}
