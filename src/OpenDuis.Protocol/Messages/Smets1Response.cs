using System.Collections.Frozen;
using System.Globalization;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Protocol.Messages;

/// <summary>
/// A SMETS1 Device's response as the SMETS1 Service Provider returns it (R-S1-1; DUIS XSD
/// sr:SMETS1ResponseMessage): the S1SP's own document sr:SMETS1SignedResponse (schemaVersion; an
/// sr:SMETS1Response whose Header is the MMC ra:HeaderType and whose Body holds an sr:ResponseMessage of
/// the MMC ra:ResponsePayload type, its data in ra:SMETSData; the S1SP's ds:Signature), carried in the
/// DSP-signed sr:Response. The S1SP's signature covers its document alone: a receiver verifies it on
/// the sr:SMETS1SignedResponse taken out with the namespaces in scope (<see cref="ExtractSignedResponse"/>).
/// </summary>
public static class Smets1Response
{
    /// <summary>The element names of the MMC ra:SMETSData choice (MMC Schema V5.1 and V5.4 alike): one per Service Request.</summary>
    public static readonly FrozenSet<string> SmetsDataElements = FrozenSet.ToFrozenSet(
    [
        "UpdateImportTariffPrimaryElementRsp", "UpdateImportTariffSecondaryElementRsp", "UpdatePricePrimaryElementRsp",
        "UpdatePriceSecondaryElementRsp", "UpdateMeterBalanceRsp", "UpdatePaymentModeRsp", "ResetTariffBlockCounterMatrixRsp",
        "UpdatePrepayConfigurationRsp", "TopUpDeviceRsp", "UpdateDebtRsp", "ActivateEmergencyCreditRsp", "DisplayMessageRsp",
        "RestrictAccessForChangeOfTenancyRsp", "ClearEventLogRsp", "UpdateSupplierNameRsp", "DisablePrivacyPINRsp",
        "ReadInstantaneousImportRegistersRsp", "ReadInstantaneousImportTOUMatricesRsp", "ReadInstantaneousImportTOUWithBlocksMatricesRsp",
        "ReadInstantaneousImportBlockCountersRsp", "ReadInstantaneousExportRegistersRsp", "ReadInstantaneousPrepayValuesRsp",
        "RetrieveCoMOrTariffTriggeredBillingDataLogRsp", "RetrieveBillingCalendarTriggeredBillingDataLogRsp",
        "RetrieveBillingDataLogDebtPaymentsRsp", "RetrieveBillingDataLogPrepaymentCreditsRsp", "RetrieveImportDailyReadLogRsp",
        "RetrieveExportDailyReadLogRsp", "ReadActiveImportProfileDataRsp", "ReadReactiveImportProfileDataRsp", "ReadExportProfileDataRsp",
        "ReadNetworkDataRsp", "ReadTariffPrimaryElementRsp", "ReadTariffSecondaryElementRsp", "ReadMaximumDemandImportRegistersRsp",
        "ReadMaximumDemandExportRegistersRsp", "ReadPrepaymentConfigurationRsp", "ReadPrepaymentDailyReadLogRsp", "ReadLoadLimitDataRsp",
        "ReadActivePowerImportRsp", "RetrieveDailyConsumptionLogRsp", "ReadMeterBalanceRsp", "ReadDeviceConfigurationVoltageRsp",
        "ReadDeviceConfigurationRandomisationRsp", "ReadDeviceConfigurationDataBillingCalendarRsp",
        "ReadDeviceConfigurationIdentityExcMPxNRsp", "ReadDeviceConfigurationInstantaneousPowerThresholdsRsp",
        "ReadDeviceConfigurationMPxNRsp", "ReadDeviceConfigurationGasRsp", "ReadDeviceConfigurationPaymentModeRsp",
        "ReadDeviceConfigurationEventAndAlertBehavioursRsp", "UpdateDeviceConfigurationLoadLimitingGeneralSettingsRsp",
        "UpdateDeviceConfigurationLoadLimitingCounterResetRsp", "UpdateDeviceConfigurationVoltageRsp",
        "UpdateDeviceConfigurationGasConversionRsp", "UpdateDeviceConfigurationGasFlowRsp", "UpdateDeviceConfigurationBillingCalendarRsp",
        "SynchroniseClockRsp", "UpdateDeviceConfigurationInstantaneousPowerThresholdRsp", "ReadEventOrSecurityLogRsp",
        "UpdateDeviceConfigurationALCDescriptionsRsp", "UpdateDeviceConfigurationALCSchedulerRsp", "UpdateSecurityCredentialsKRPRsp",
        "UpdateSecurityCredentialsDeviceRsp", "IssueSecurityCredentialsRsp", "SetMaximumDemandConfigurableTimePeriodRsp",
        "ResetMaximumDemandRegistersRsp", "SetDeviceConfigurationImportMPxNRsp", "SetDeviceConfigurationExportMPANRsp",
        "RequestHandoverOfDCCControlledDeviceRsp", "ConfigureAlertBehaviourRsp", "UpdateSecurityCredentialsCoSRsp",
        "RetrieveDeviceSecurityCredentialsKRPRsp", "RetrieveDeviceSecurityCredentialsDeviceRsp", "SetElectricitySupplyTamperStateRsp",
        "UpdateDeviceConfigurationRMSVoltageCounterResetRsp",
        "UpdateDeviceConfigurationDailyResettingOfTariffBlockCounterMatrixRsp", "SetCHFSubGHzConfigurationRsp", "RequestCHFSubGHzChannelScanRsp",
        "ReadCHFSubGHzConfigurationRsp", "ReadCHFSubGHzChannelRsp", "ReadCHFSubGHzChannelLogRsp", "EnableSupplyRsp", "DisableSupplyRsp",
        "ArmSupplyRsp", "ReadSupplyStatusRsp", "ActivateAuxiliaryLoadRsp", "DeactivateAuxiliaryLoadRsp", "ReadALCSDataRsp",
        "ResetAuxiliaryLoadRsp", "AddAuxiliaryLoadToBoostButtonRsp", "RemoveAuxiliaryLoadFromBoostButtonRsp", "ReadBoostButtonDetailsRsp",
        "SetRandomisedOffsetLimitRsp", "CommissionDeviceSynchroniseClockRsp", "ServiceOptOutRsp", "JoinServiceCriticalRsp",
        "JoinServiceNonCriticalRsp", "UnjoinServiceCriticalRsp", "UnjoinServiceNonCriticalRsp", "ReadDeviceLogRsp",
        "UpdateHANDeviceLogRsp", "RestoreHANDeviceLogRsp", "RestoreGPFDeviceLogRsp", "RequestCustomerIdentificationNumberRsp",
        "ReadFirmwareVersionRsp", "ActivateFirmwareRsp", "RecordNetworkDataGASRsp", "SetAuxiliaryControllerStateRsp",
        "ReadAuxiliaryControllerConfigurationDataRsp", "ReadAuxiliaryControllerOperationalDataRsp", "LimitAPCLevelRsp",
    ], StringComparer.Ordinal);

    /// <summary>Those of <see cref="SmetsDataElements"/> that must hold data: without it they are not schema-valid.</summary>
    public static readonly FrozenSet<string> RequireData = FrozenSet.ToFrozenSet(
    [
        "ReadInstantaneousImportRegistersRsp", "ReadInstantaneousImportTOUMatricesRsp", "RetrieveCoMOrTariffTriggeredBillingDataLogRsp",
        "RetrieveBillingCalendarTriggeredBillingDataLogRsp", "ReadNetworkDataRsp", "ReadTariffPrimaryElementRsp",
        "ReadPrepaymentDailyReadLogRsp", "RetrieveDailyConsumptionLogRsp", "ReadDeviceConfigurationEventAndAlertBehavioursRsp",
        "UpdateSecurityCredentialsDeviceRsp", "JoinServiceCriticalRsp", "JoinServiceNonCriticalRsp", "UnjoinServiceCriticalRsp",
        "UnjoinServiceNonCriticalRsp",
    ], StringComparer.Ordinal);

    /// <summary>
    /// The S1SP's signed document: sr:SMETS1SignedResponse with the MMC Header (the Device to the User) and
    /// <paramref name="smetsData"/> (an element of the ra:SMETSData choice, or none), signed with <paramref name="s1spKey"/>.
    /// </summary>
    public static XmlElement Sign(DuisSchemaVersion schemaVersion, Eui device, Eui user, ulong counter, ServiceReference reference,
        ServiceReferenceVariant variant, DateTimeOffset at, XmlElement? smetsData, SigningKey s1spKey)
    {
        if (smetsData is not null && (smetsData.NamespaceURI != DuisNamespaces.ResponseAndAlert || !SmetsDataElements.Contains(smetsData.LocalName)))
            throw new ArgumentException($"{smetsData.Name} is not an element of the MMC ra:SMETSData choice.", nameof(smetsData));
        var (doc, root, body) = Document(schemaVersion, device, user, counter, (reference, variant), at);
        var message = Sr(body, "ResponseMessage");
        if (smetsData is not null) Ra(message, "SMETSData").AppendChild(doc.ImportNode(smetsData, deep: true));
        DuisSigner.Sign(doc, s1spKey);
        return root;
    }

    /// <summary>
    /// The S1SP's signed document for a SMETS1 Device's alert (XSD sr:SMETS1Response Body choice
    /// DeviceAlertMessage, MMC ra:DeviceAlertMessageType): the MMC Header (the Device to the User, no
    /// Service Reference) and ra:DeviceAlertContent with the alert code, its description and time.
    /// </summary>
    public static XmlElement SignAlert(DuisSchemaVersion schemaVersion, Eui device, Eui user, ulong counter, ushort alertCode, string description,
        DateTimeOffset at, SigningKey s1spKey)
    {
        var (doc, root, body) = Document(schemaVersion, device, user, counter, null, at);
        var content = Ra(Sr(body, "DeviceAlertMessage"), "DeviceAlertContent");
        Ra(content, "GBCSHexAlertCode", alertCode.ToString("X4", CultureInfo.InvariantCulture));
        Ra(content, "AlertDescription", description.Length <= 250 ? description : description[..250]);
        Ra(content, "Timestamp", Timestamp(at));
        DuisSigner.Sign(doc, s1spKey);
        return root;
    }

    private static (XmlDocument Doc, XmlElement Root, XmlElement Body) Document(DuisSchemaVersion schemaVersion, Eui device, Eui user, ulong counter,
        (ServiceReference Reference, ServiceReferenceVariant Variant)? service, DateTimeOffset at)
    {
        var (doc, root) = DuisXml.NewDocument("SMETS1SignedResponse", null);
        root.SetAttribute("schemaVersion", schemaVersion.ToString());
        var response = Sr(root, "SMETS1Response");
        var header = Sr(response, "Header");
        Ra(header, "BusinessOriginatorID", device.ToString());
        Ra(header, "BusinessTargetID", user.ToString());
        Ra(header, "OriginatorCounter", counter.ToString(CultureInfo.InvariantCulture));
        if (service is { } s)
        {
            Ra(header, "ServiceReference", s.Reference.ToString());
            Ra(header, "ServiceReferenceVariant", s.Variant.ToString());
        }
        Ra(header, "Timestamp", Timestamp(at));
        return (doc, root, Sr(response, "Body"));
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>sr:SMETS1ResponseMessage: the Service Reference and Variant, the DCC Schedule if any, and the S1SP's signed response.</summary>
    public static XmlElement Message(XmlElement signedResponse, ServiceReference reference, ServiceReferenceVariant variant, ulong? dspScheduleId = null) =>
        Message(signedResponse, (reference, variant), dspScheduleId);

    /// <summary>sr:SMETS1ResponseMessage carrying a SMETS1 Device's alert (<see cref="SignAlert"/>): no Service Reference, only the S1SP's signed document.</summary>
    public static XmlElement AlertMessage(XmlElement signedAlert) => Message(signedAlert, null, null);

    private static XmlElement Message(XmlElement signedResponse, (ServiceReference Reference, ServiceReferenceVariant Variant)? service, ulong? dspScheduleId)
    {
        if (signedResponse.LocalName != "SMETS1SignedResponse" || signedResponse.NamespaceURI != DuisNamespaces.ServiceUserGateway)
            throw new ArgumentException($"{signedResponse.Name} is not an sr:SMETS1SignedResponse.", nameof(signedResponse));
        var doc = new XmlDocument { PreserveWhitespace = true };
        var message = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "SMETS1ResponseMessage", DuisNamespaces.ServiceUserGateway);
        doc.AppendChild(message);
        if (service is { } s)
        {
            Sr(message, "ServiceReference", s.Reference.ToString());
            Sr(message, "ServiceReferenceVariant", s.Variant.ToString());
        }
        if (dspScheduleId is { } schedule) Sr(message, "DSPScheduleID", schedule.ToString(CultureInfo.InvariantCulture));
        message.AppendChild(doc.ImportNode(signedResponse, deep: true));
        return message;
    }

    /// <summary>
    /// The S1SP's document as it signed it, taken out of a Service Response: the sr:SMETS1SignedResponse
    /// with every namespace in scope declared on it (as inclusive C14N renders a subtree); null if none.
    /// </summary>
    public static XmlDocument? ExtractSignedResponse(XmlDocument response)
    {
        var found = response.DocumentElement?.FirstElement("SMETS1SignedResponse", DuisNamespaces.ServiceUserGateway);
        if (found is null) return null;
        var doc = new XmlDocument { PreserveWhitespace = true };
        var root = (XmlElement)doc.ImportNode(found, deep: true);
        doc.AppendChild(root);
        for (var scope = found.ParentNode as XmlElement; scope is not null; scope = scope.ParentNode as XmlElement)
            foreach (XmlAttribute a in scope.Attributes)
                if (a.NamespaceURI == DuisNamespaces.Xmlns && !root.HasAttribute(a.Name))
                {
                    var declaration = doc.CreateAttribute(a.Prefix, a.LocalName, DuisNamespaces.Xmlns);
                    declaration.Value = a.Value;
                    root.Attributes.Append(declaration);
                }
        return doc;
    }

    /// <summary>
    /// The S1SP's response as the MMC ra:GBCSResponse document a User's Parse and Correlate gives for a SMETS2+
    /// Device (MMC Schema: the same ra:HeaderType Header and ResponseMessage or DeviceAlertMessage Body), its
    /// schemaVersion the signed response's; null if <paramref name="signedResponse"/> is not an sr:SMETS1SignedResponse.
    /// </summary>
    public static XmlDocument? ToMmcDocument(XmlDocument signedResponse)
    {
        if (signedResponse.DocumentElement is not { LocalName: "SMETS1SignedResponse", NamespaceURI: DuisNamespaces.ServiceUserGateway } root
            || root.FirstElement("SMETS1Response", DuisNamespaces.ServiceUserGateway) is not { } response
            || response.FirstElement("Header", DuisNamespaces.ServiceUserGateway) is not { } header
            || response.FirstElement("Body", DuisNamespaces.ServiceUserGateway) is not { } body
            || body.ChildNodes.OfType<XmlElement>().FirstOrDefault() is not { } message)
            return null;
        var doc = new XmlDocument();
        var mmc = doc.CreateElement(DuisNamespaces.ResponseAndAlertPrefix, "GBCSResponse", DuisNamespaces.ResponseAndAlert);
        // Declared first, as Parse and Correlate's documents declare it.
        mmc.SetAttribute($"xmlns:{DuisNamespaces.ResponseAndAlertPrefix}", DuisNamespaces.ResponseAndAlert);
        mmc.SetAttribute("schemaVersion", root.GetAttribute("schemaVersion"));
        doc.AppendChild(mmc);
        void Copy(XmlElement from, XmlElement to)
        {
            foreach (var child in from.ChildNodes.OfType<XmlElement>()) to.AppendChild(doc.ImportNode(child, deep: true));
        }
        Copy(header, Ra(mmc, "Header"));
        Copy(message, Ra(Ra(mmc, "Body"), message.LocalName));
        return doc;
    }

    private static XmlElement Sr(XmlElement parent, string name, string? text = null) =>
        Append(parent, DuisNamespaces.ServiceUserGatewayPrefix, DuisNamespaces.ServiceUserGateway, name, text);

    private static XmlElement Ra(XmlElement parent, string name, string? text = null) =>
        Append(parent, DuisNamespaces.ResponseAndAlertPrefix, DuisNamespaces.ResponseAndAlert, name, text);

    private static XmlElement Append(XmlElement parent, string prefix, string ns, string name, string? text)
    {
        var e = parent.OwnerDocument.CreateElement(prefix, name, ns);
        if (text is not null) e.InnerText = text;
        parent.AppendChild(e);
        return e;
    }
}
