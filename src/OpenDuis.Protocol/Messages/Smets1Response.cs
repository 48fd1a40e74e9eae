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
        var (doc, root) = DuisXml.NewDocument("SMETS1SignedResponse", null);
        root.SetAttribute("schemaVersion", schemaVersion.ToString());
        var response = Sr(root, "SMETS1Response");
        var header = Sr(response, "Header");
        Ra(header, "BusinessOriginatorID", device.ToString());
        Ra(header, "BusinessTargetID", user.ToString());
        Ra(header, "OriginatorCounter", counter.ToString(CultureInfo.InvariantCulture));
        Ra(header, "ServiceReference", reference.ToString());
        Ra(header, "ServiceReferenceVariant", variant.ToString());
        Ra(header, "Timestamp", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        var message = Sr(Sr(response, "Body"), "ResponseMessage");
        if (smetsData is not null) Ra(message, "SMETSData").AppendChild(doc.ImportNode(smetsData, deep: true));
        DuisSigner.Sign(doc, s1spKey);
        return root;
    }

    /// <summary>sr:SMETS1ResponseMessage: the Service Reference and Variant, the DCC Schedule if any, and the S1SP's signed response.</summary>
    public static XmlElement Message(XmlElement signedResponse, ServiceReference reference, ServiceReferenceVariant variant, ulong? dspScheduleId = null)
    {
        if (signedResponse.LocalName != "SMETS1SignedResponse" || signedResponse.NamespaceURI != DuisNamespaces.ServiceUserGateway)
            throw new ArgumentException($"{signedResponse.Name} is not an sr:SMETS1SignedResponse.", nameof(signedResponse));
        var doc = new XmlDocument { PreserveWhitespace = true };
        var message = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "SMETS1ResponseMessage", DuisNamespaces.ServiceUserGateway);
        doc.AppendChild(message);
        Sr(message, "ServiceReference", reference.ToString());
        Sr(message, "ServiceReferenceVariant", variant.ToString());
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
