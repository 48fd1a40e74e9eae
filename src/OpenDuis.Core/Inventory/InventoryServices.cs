using OpenDuis.Core.Parties;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Registration;
using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Inventory;

/// <summary>
/// The Non-Device Service Requests that change the Smart Metering Inventory: 8.3 Decommission Device,
/// 8.4 Update Inventory, 8.6 Service Opt In, 8.14.x Communications Hub Status Update and 12.2 Device
/// Pre-notification (DUIS 3.8). Each rule answers one service-specific code
/// (<see cref="InventoryResponseCodes"/>); SMI Status changes follow <see cref="SmiLifecycle"/>.
/// Changes are written through the <see cref="SmiCache"/>, so the next request's access control
/// (E5, E19, E4) sees them, and each status change is told to the <see cref="ISmiStatusChangeListener"/>.
/// The access-control pipeline has already checked the User (E1, E2, E3) before these run.
/// Each request runs in one <see cref="IUnitOfWork"/>: its SMI changes, the DCC Alerts they raise and
/// the DCC Schedules they end are committed together (R-WS-2), or, when any of it cannot be written,
/// none of it is and the request fails with <see cref="InventoryChangeFailedException"/>.
/// </summary>
public sealed class InventoryServices(SmiCache cache, TimeProvider clock, ISmiStatusChangeListener? statusChanges = null, IUnitOfWork? unitOfWork = null,
    IDeviceAdditionListener? additions = null) : INonDeviceService
{
    private readonly IUnitOfWork _unitOfWork = unitOfWork ?? NoUnitOfWork.Instance;

    public IReadOnlyCollection<ServiceReferenceVariant> Variants => InventoryRequestReader.Variants;

    /// <summary>
    /// Reads the request's body into its <see cref="InventoryRequest"/> and applies it. The XSD has already
    /// been checked when configured; a body the reader cannot take is answered E49 ("request format does
    /// not match the variant", DUIS 3.5.10 Table 1).
    /// </summary>
    public async ValueTask<NonDeviceResult> AnswerAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        if (!InventoryRequestReader.TryRead(request.ServiceReferenceVariant, request.Body, out var change, out var problem))
            return new NonDeviceResult(ResponseCode.E49, null, problem);
        var outcome = await ApplyAsync(request.RequestId.Originator, change, cancellationToken).ConfigureAwait(false);
        return new NonDeviceResult(outcome.Code, null, outcome.Reason);
    }

    private static readonly ServiceReferenceVariant Decommission = new(8, 3);
    private static readonly ServiceReferenceVariant Update = new(8, 4);
    private static readonly ServiceReferenceVariant OptIn = new(8, 6);
    private static readonly ServiceReferenceVariant Prenotification = new(12, 2);

    /// <summary>
    /// Applies one inventory request in its own unit of work. Throws <see cref="InventoryChangeFailedException"/>
    /// when the change, or anything it raises, cannot be stored: then nothing of it was kept.
    /// </summary>
    public async Task<InventoryOutcome> ApplyAsync(Eui user, InventoryRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _unitOfWork.RunAsync(ct => ApplyInWorkAsync(user, request, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ArgumentOutOfRangeException)
        {
            throw new InventoryChangeFailedException(request, e);
        }
    }

    private Task<InventoryOutcome> ApplyInWorkAsync(Eui user, InventoryRequest request, CancellationToken cancellationToken) => request switch
    {
        DecommissionDevice r => DecommissionAsync(user, r, cancellationToken),
        UpdateInventory r => UpdateAsync(user, r, cancellationToken),
        ServiceOptIn r => OptInAsync(user, r, cancellationToken),
        CommsHubStatusUpdate r => CommsHubStatusAsync(user, r, cancellationToken),
        DevicePrenotification r => PrenotifyAsync(r, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request, "not an inventory request"),
    };

    /// <summary>
    /// SR 8.3 (DUIS 3.8): the Registered Supplier of the Device's MPxN ends its service; the Device
    /// becomes Decommissioned if its status allows it (SEC Appendix AC).
    /// </summary>
    private async Task<InventoryOutcome> DecommissionAsync(Eui user, DecommissionDevice request, CancellationToken cancellationToken)
    {
        if (!cache.TryGetDevice(request.DeviceId, out var device)) return Unknown(request.DeviceId);
        var now = clock.GetUtcNow();
        if (!IsRegisteredSupplier(user, device, now, out var party))
            return InventoryOutcome.Refused(InventoryResponseCodes.DecommissionNotResponsibleSupplier,
                $"Party {party} is not the Registered Supplier of {Describe(device)} at {now:O}.");
        if (!SmiLifecycle.IsAllowed(device.Status, SmiStatus.Decommissioned))
            return InventoryOutcome.Refused(InventoryResponseCodes.DecommissionNotAllowedFromStatus, NotFrom(device, SmiStatus.Decommissioned));
        await ChangeStatusAsync(user, Decommission, device, SmiStatus.Decommissioned, now, cancellationToken).ConfigureAwait(false);
        return InventoryOutcome.Done($"Device {device.Id} is Decommissioned.");
    }

    /// <summary>SR 8.4 (DUIS 3.8): one change to one Device, by the Registered Supplier of its MPxN.</summary>
    private async Task<InventoryOutcome> UpdateAsync(Eui user, UpdateInventory request, CancellationToken cancellationToken)
    {
        if (!cache.TryGetDevice(request.DeviceId, out var device)) return Unknown(request.DeviceId);
        var now = clock.GetUtcNow();
        // A Device pre-notified but not yet associated with a Metering Point has no Registered
        // Supplier: any Supplier User may correct it.
        var authorised = device.Mpxn is null
            ? cache.TryGetUser(user, out var u) && u.Roles.Any(r => r.IsSupplier())
            : IsRegisteredSupplier(user, device, now, out _);
        if (!authorised)
            return InventoryOutcome.Refused(InventoryResponseCodes.UpdateNotResponsibleSupplier,
                $"User {user} is not the Registered Supplier of {Describe(device)} at {now:O}.");

        switch (request.Update)
        {
            case UpdateDeviceStatus status:
                if (status.ForCommsHub != (device.Type == DeviceType.CHF))
                    return InventoryOutcome.Refused(InventoryResponseCodes.UpdateStatusWrongDeviceType, status.ForCommsHub
                        ? $"UpdateDeviceStatusCH is for a Communications Hub Function; Device {device.Id} is a {device.Type}."
                        : $"Device {device.Id} is a Communications Hub Function: its status is updated with UpdateDeviceStatusCH, not UpdateDeviceStatusExceptCH.");
                if (!SmiLifecycle.IsAllowed(device.Status, status.To))
                    return InventoryOutcome.Refused(InventoryResponseCodes.UpdateStatusNotAllowed, NotFrom(device, status.To));
                await ChangeStatusAsync(user, Update, device, status.To, now, cancellationToken).ConfigureAwait(false);
                return InventoryOutcome.Done($"Device {device.Id} is {status.To}.");

            case UpdateDeviceDetails details:
                var changed = device with
                {
                    Manufacturer = details.Manufacturer ?? device.Manufacturer,
                    Model = details.Model ?? device.Model,
                    FirmwareVersion = details.FirmwareVersion ?? device.FirmwareVersion,
                };
                if (changed is not { Manufacturer: { } m, Model: { } model, FirmwareVersion: { } f }
                    || await cache.Store.FindProductAsync(m, model, f, cancellationToken).ConfigureAwait(false) is null)
                    return InventoryOutcome.Refused(InventoryResponseCodes.UpdateDetailsNotOnCpl,
                        $"Manufacturer {changed.Manufacturer ?? "(none)"}, model {changed.Model ?? "(none)"}, firmware {changed.FirmwareVersion ?? "(none)"} is not on the Central Products List (SEC F2).");
                await cache.SaveDeviceAsync(changed, cancellationToken).ConfigureAwait(false);
                return InventoryOutcome.Done($"Device {device.Id} is recorded as {m} {model} firmware {f}.");

            case DeleteDevice:
                if (device.Status != SmiStatus.Pending)
                    return InventoryOutcome.Refused(InventoryResponseCodes.DeleteNotPending,
                        $"Device {device.Id} is {device.Status}: only a Pending Device (pre-notified, never installed) may be deleted from the inventory.");
                await cache.DeleteDeviceAsync(device.Id, cancellationToken).ConfigureAwait(false);
                return InventoryOutcome.Done($"Device {device.Id} is deleted from the inventory.");

            case UpdateMpxn { ImportMpxn: { } import }:
                if (MeterFuel(device.Type) is not { } fuel || import.Fuel != fuel)
                    return InventoryOutcome.Refused(InventoryResponseCodes.UpdateMpxnWrongFuel,
                        $"ImportMPxN {import} is an {(import.Fuel == Fuel.Electricity ? "MPAN" : "MPRN")}; Device {device.Id} is a {device.Type}, which takes {(MeterFuel(device.Type) is { } f2 ? (f2 == Fuel.Electricity ? "an MPAN" : "an MPRN") : "no MPxN")}.");
                await cache.SaveDeviceAsync(device with { Mpxn = import }, cancellationToken).ConfigureAwait(false);
                return InventoryOutcome.Done($"Device {device.Id}'s Import MPxN is {import}.");

            case UpdateMpxn other:
                if (device.Type != DeviceType.ESME)
                    return InventoryOutcome.Refused(InventoryResponseCodes.UpdateMpanNotEsme,
                        $"A {(other.SecondaryImportMpan is not null ? "SecondaryImportMPAN" : "ExportMPAN")} is only for an ESME; Device {device.Id} is a {device.Type}.");
                // The SMI records one (import) MPxN per Device: a secondary or export MPAN is accepted, not kept.
                return InventoryOutcome.Done($"Device {device.Id}: {(other.SecondaryImportMpan is not null ? "SecondaryImportMPAN" : "ExportMPAN")} accepted.");

            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Update, "not an 8.4 update");
        }
    }

    /// <summary>
    /// SR 8.6 (DUIS 3.8): an opted-out (Withdrawn) Device returns to the DCC's service. It starts again
    /// from Pending, as <see cref="SmiLifecycle"/> allows a Withdrawn Device, with the MPxN given.
    /// </summary>
    private async Task<InventoryOutcome> OptInAsync(Eui user, ServiceOptIn request, CancellationToken cancellationToken)
    {
        if (!cache.TryGetDevice(request.DeviceId, out var device)) return Unknown(request.DeviceId);
        var now = clock.GetUtcNow();
        if (request.DeviceType != device.Type)
            return InventoryOutcome.Refused(InventoryResponseCodes.OptInDeviceTypeMismatch,
                $"DeviceType {request.DeviceType} is not Device {device.Id}'s type in the inventory ({device.Type}).");
        if (device.Status != SmiStatus.Withdrawn)
            return InventoryOutcome.Refused(InventoryResponseCodes.OptInNotOptedOut,
                $"Device {device.Id} is {device.Status}, not Withdrawn (opted out): there is nothing to opt in.");
        if (MeterFuel(device.Type) is not { } fuel || request.ImportMpxn.Fuel != fuel)
            return InventoryOutcome.Refused(InventoryResponseCodes.OptInMpxnWrongFuel,
                $"ImportMPxN {request.ImportMpxn} ({request.ImportMpxn.Fuel}) is not of {device.Type} {device.Id}'s fuel.");
        if (request.OptInDate > DateOnly.FromDateTime(now.UtcDateTime))
            return InventoryOutcome.Refused(InventoryResponseCodes.OptInDateInFuture,
                $"OptInDate {request.OptInDate:yyyy-MM-dd} is after today ({now:yyyy-MM-dd} UTC).");
        var party = cache.TryGetUser(user, out var u) ? u.Party : (PartyId?)null;
        if (party is null || cache.RegisteredParty(request.ImportMpxn, RegisteredRole.Supplier, now) != party)
            return InventoryOutcome.Refused(InventoryResponseCodes.OptInNotResponsibleSupplier,
                $"Party {party?.ToString() ?? "(none)"} is not the Registered Supplier of {request.ImportMpxn} at {now:O}.");
        await cache.SaveDeviceAsync(device with { Mpxn = request.ImportMpxn }, cancellationToken).ConfigureAwait(false);
        await ChangeStatusAsync(user, OptIn, device with { Mpxn = request.ImportMpxn }, SmiStatus.Pending, now, cancellationToken).ConfigureAwait(false);
        return InventoryOutcome.Done($"Device {device.Id} is opted in (Pending) for {request.ImportMpxn}.");
    }

    /// <summary>
    /// SR 8.14.x (DUIS 3.8): the Supplier tells the DCC what became of a Communications Hub. 8.14.1
    /// (installed, SM WAN available) makes the CHF Commissioned; 8.14.2 (installed, no SM WAN) Installed
    /// Not Commissioned; a hub returned (8.14.3 with a fault, 8.14.4 without) becomes Withdrawn if it
    /// was never installed, and Decommissioned if it was.
    /// </summary>
    private async Task<InventoryOutcome> CommsHubStatusAsync(Eui user, CommsHubStatusUpdate request, CancellationToken cancellationToken)
    {
        if (!cache.TryGetDevice(request.DeviceId, out var hub)) return Unknown(request.DeviceId);
        if (hub.Type != DeviceType.CHF)
            return InventoryOutcome.Refused(InventoryResponseCodes.HubStatusNotCommsHub, $"Device {hub.Id} is a {hub.Type}, not a Communications Hub Function.");
        var now = clock.GetUtcNow();
        var variant = new ServiceReferenceVariant(8, 14, (byte)((int)request.Kind + 1));

        if (request.Kind is CommsHubStatusUpdateKind.InstallSuccess or CommsHubStatusUpdateKind.InstallNoSmWan)
        {
            var to = request.Kind == CommsHubStatusUpdateKind.InstallSuccess ? SmiStatus.Commissioned : SmiStatus.InstalledNotCommissioned;
            // From Pending or Whitelisted (not yet installed); 8.14.1 also completes an install reported without SM WAN.
            var accepted = request.Kind == CommsHubStatusUpdateKind.InstallSuccess
                ? hub.Status is SmiStatus.Pending or SmiStatus.Whitelisted or SmiStatus.InstalledNotCommissioned
                : hub.Status is SmiStatus.Pending or SmiStatus.Whitelisted;
            if (!accepted)
                return InventoryOutcome.Refused(InventoryResponseCodes.HubStatusNotAllowed,
                    $"Communications Hub Function {hub.Id} is {hub.Status}: {variant} reports the install of a hub that is Pending or Whitelisted" +
                    (request.Kind == CommsHubStatusUpdateKind.InstallSuccess ? " (or Installed Not Commissioned)." : "."));
            var mpxn = request.Mpxn!.Value;
            var party = cache.TryGetUser(user, out var u) ? u.Party : (PartyId?)null;
            if (party is null || cache.RegisteredParty(mpxn, RegisteredRole.Supplier, now) != party)
                return InventoryOutcome.Refused(InventoryResponseCodes.HubInstallNotResponsibleSupplier,
                    $"Party {party?.ToString() ?? "(none)"} is not the Registered Supplier of MPxN {mpxn} at {now:O}.");
            var installed = hub with { Mpxn = mpxn, CommsHub = hub.Id };
            await cache.SaveDeviceAsync(installed, cancellationToken).ConfigureAwait(false);
            // Pending reaches Commissioned through Installed Not Commissioned (SEC Appendix AC).
            if (installed.Status == SmiStatus.Pending)
                installed = await ChangeStatusAsync(user, variant, installed, SmiStatus.InstalledNotCommissioned, now, cancellationToken).ConfigureAwait(false);
            if (installed.Status != to)
                await ChangeStatusAsync(user, variant, installed, to, now, cancellationToken).ConfigureAwait(false);
            var typeContradicts = (request.InstallType == CommsHubStatusUpdate.InstallNoSmWanType) != (request.Kind == CommsHubStatusUpdateKind.InstallNoSmWan);
            return typeContradicts
                ? new InventoryOutcome(InventoryResponseCodes.HubInstallTypeContradictsVariant,
                    $"Communications Hub Function {hub.Id} is {to}, but CHFInstallType '{request.InstallType}' contradicts {variant}.")
                : InventoryOutcome.Done($"Communications Hub Function {hub.Id} is {to} for MPxN {mpxn}.");
        }

        if (request.OtherDeviceId is { } other && !cache.TryGetDevice(other, out _))
            return InventoryOutcome.Refused(ResponseCode.E19, $"OtherDeviceID {other} does not exist in the Smart Metering Inventory.");
        var neverInstalled = hub.Status is SmiStatus.Pending or SmiStatus.Whitelisted or SmiStatus.Withdrawn;
        var returned = neverInstalled ? SmiStatus.Withdrawn : SmiStatus.Decommissioned;
        if (!SmiLifecycle.IsAllowed(hub.Status, returned))
            return InventoryOutcome.Refused(InventoryResponseCodes.HubStatusNotAllowed, NotFrom(hub, returned) + " It has already been returned.");
        await ChangeStatusAsync(user, variant, hub, returned, now, cancellationToken).ConfigureAwait(false);
        return InventoryOutcome.Done($"Communications Hub Function {hub.Id} is returned: {returned}.");
    }

    /// <summary>
    /// SR 12.2 (DUIS 3.8): a Device the DCC does not know yet is added to the inventory as Pending,
    /// if its product is on the Central Products List (SEC F2). A Communications Hub Function's Gas Proxy
    /// Function, when named, is added with it.
    /// </summary>
    private async Task<InventoryOutcome> PrenotifyAsync(DevicePrenotification request, CancellationToken cancellationToken)
    {
        if (cache.TryGetDevice(request.DeviceId, out var existing))
            return InventoryOutcome.Refused(InventoryResponseCodes.PrenotificationDeviceIdInUse,
                $"Device {request.DeviceId} is already in the Smart Metering Inventory ({existing.Type}, {existing.Status}).");
        if (request.AssociatedGpfDeviceId is { } gpf)
        {
            if (request.DeviceType != DeviceType.CHF)
                return InventoryOutcome.Refused(InventoryResponseCodes.PrenotificationGpfNotForCommsHub,
                    $"AssociatedGPFDeviceID is for a Communications Hub Function; Device {request.DeviceId} is a {request.DeviceType}.");
            if (gpf == request.DeviceId || cache.TryGetDevice(gpf, out _))
                return InventoryOutcome.Refused(InventoryResponseCodes.PrenotificationDeviceIdInUse,
                    gpf == request.DeviceId
                        ? $"AssociatedGPFDeviceID {gpf} is the Communications Hub Function's own Device ID (DP316)."
                        : $"AssociatedGPFDeviceID {gpf} is already in the Smart Metering Inventory.");
        }
        if (request.EsmeVariant is not null && request.DeviceType != DeviceType.ESME)
            return InventoryOutcome.Refused(InventoryResponseCodes.PrenotificationEsmeVariantNotEsme,
                $"ESMEVariant is for an ESME; Device {request.DeviceId} is a {request.DeviceType}.");
        var products = await cache.Store.ProductsAsync(cancellationToken).ConfigureAwait(false);
        var product = products.FirstOrDefault(p => p.Manufacturer == request.Manufacturer && p.Model == request.Model
            && p.DeviceType == request.DeviceType && (request.FirmwareVersion is null || p.FirmwareVersion == request.FirmwareVersion));
        if (product is null)
            return InventoryOutcome.Refused(InventoryResponseCodes.PrenotificationNotOnCpl,
                $"{request.DeviceType} manufacturer {request.Manufacturer}, model {request.Model}" +
                (request.FirmwareVersion is null ? "" : $", firmware {request.FirmwareVersion}") + " is not on the Central Products List (SEC F2).");

        var device = new Device
        {
            Id = request.DeviceId,
            Type = request.DeviceType,
            Generation = DeviceGeneration.Smets2Plus,
            Status = SmiStatus.Pending,
            Manufacturer = request.Manufacturer,
            Model = request.Model,
            FirmwareVersion = request.FirmwareVersion ?? product.FirmwareVersion,
            CommsHub = request.DeviceType == DeviceType.CHF ? request.DeviceId : null,
        };
        Device[] added = request.AssociatedGpfDeviceId is { } gpfId
            ? [device, device with { Id = gpfId, Type = DeviceType.GPF, CommsHub = request.DeviceId }]
            : [device];
        foreach (var d in added) await cache.SaveDeviceAsync(d, cancellationToken).ConfigureAwait(false);
        if (additions is not null) await additions.DevicesAddedAsync(added, cancellationToken).ConfigureAwait(false);
        return InventoryOutcome.Done($"{request.DeviceType} {request.DeviceId} is added to the inventory as Pending.");
    }

    private async Task<Device> ChangeStatusAsync(Eui user, ServiceReferenceVariant by, Device before, SmiStatus to, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var after = await cache.ChangeStatusAsync(before.Id, to, at, cancellationToken).ConfigureAwait(false);
        if (statusChanges is not null)
            await statusChanges.StatusChangedAsync(new SmiStatusChange(before, after, at, user, by), cancellationToken).ConfigureAwait(false);
        return after;
    }

    private bool IsRegisteredSupplier(Eui user, Device device, DateTimeOffset at, out string party)
    {
        party = "(unknown)";
        if (!cache.TryGetUser(user, out var u)) return false;
        party = u.Party.ToString();
        return device.Mpxn is { } mpxn && cache.RegisteredParty(mpxn, RegisteredRole.Supplier, at) == u.Party;
    }

    private static Fuel? MeterFuel(DeviceType type) => type switch
    {
        DeviceType.ESME => Fuel.Electricity,
        DeviceType.GSME => Fuel.Gas,
        _ => null,
    };

    private static InventoryOutcome Unknown(Eui id) =>
        InventoryOutcome.Refused(ResponseCode.E19, $"Device {id} does not exist in the Smart Metering Inventory.");

    private static string Describe(Device device) =>
        $"{device.Type} {device.Id} ({(device.Mpxn is { } m ? $"MPxN {m}" : "no MPxN")})";

    private static string NotFrom(Device device, SmiStatus to) =>
        $"Device {device.Id} is {device.Status}; from {device.Status} it may move only to {string.Join(", ", SmiLifecycle.NextStatuses(device.Status).Order())}, not {to} (SEC Appendix AC).";
}

/// <summary>
/// An inventory request whose change could not be stored whole (the database refused the SMI change,
/// a DCC Alert it raises or a DCC Schedule it ends): nothing of it was kept, and the request may be
/// sent again. The message names the request and the cause.
/// </summary>
public sealed class InventoryChangeFailedException(InventoryRequest request, Exception inner)
    : Exception($"{request.GetType().Name} for Device {request.DeviceId} was not applied: {inner.Message} Nothing was changed: not the inventory, its DCC Alerts or DCC Schedules.", inner)
{
    public InventoryRequest Request { get; } = request;
}
