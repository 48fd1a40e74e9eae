using System.Globalization;
using System.Numerics;
using System.Text;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Gbcs.Keys;

/// <summary>
/// What a <see cref="DeviceKeyStore"/> issues, kept: the demo Device CA, one key bundle per Device (PEM: DS certificate,
/// DS private key, KA certificate, KA private key) and the Devices' Alert counters. Every write is first-writer-wins,
/// so stores sharing a vault (processes on one folder, nodes on one database) agree on every Device's keys.
/// </summary>
public interface IDeviceKeyVault
{
    /// <summary>Where the Device's bundle is kept (the Device CA's when null), for messages.</summary>
    string Where(Eui? device);

    /// <summary>The demo Device CA (PEM: its certificate, then its PKCS#8 private key): the one kept, else <paramref name="create"/>'s, kept now.</summary>
    string KeepCa(Func<string> create);

    /// <summary>The Device's bundle, or null when none is kept.</summary>
    string? FindBundle(Eui device);

    /// <summary>Keeps the bundle unless the Device has one already; false, keeping the one held, when it has.</summary>
    bool AddBundle(DeviceKeyBundle bundle);

    /// <summary>The Devices whose bundle may hold a certificate with this serial number.</summary>
    IEnumerable<Eui> DevicesHolding(BigInteger serial);

    /// <summary>The Devices that have a bundle.</summary>
    IReadOnlySet<Eui> Devices();

    /// <summary>The Devices' Alert counters.</summary>
    IDeviceAlertCounters AlertCounters { get; }

    /// <summary>Raises the Device's last Alert counter to <paramref name="last"/> if it is lower (never lowers it).</summary>
    void RaiseAlertCounter(Eui device, ulong last);
}

/// <summary>A Device's key bundle as kept, with its certificates' serial numbers (by which the SMKI Repository finds them).</summary>
public sealed record DeviceKeyBundle(Eui Device, string Pem, BigInteger DigitalSigningSerial, BigInteger KeyAgreementSerial);

/// <summary>
/// The vault in a folder (0700; every file 0600, written whole by rename): <c>device-ca.pem</c>, <c>{eui}.pem</c> per
/// Device and <c>{eui}.alert-counter</c> (<see cref="FileDeviceAlertCounters"/>), {eui} the Device ID as 16
/// lower-case hex digits. Safe for several processes sharing the folder.
/// </summary>
public sealed class FolderDeviceKeyVault : IDeviceKeyVault
{
    public const string CaFileName = "device-ca.pem";
    private const string CounterExtension = ".alert-counter";
    private readonly FileDeviceAlertCounters _counters;

    /// <summary>The vault in <paramref name="folder"/>, created (owner-only) when <paramref name="create"/>.</summary>
    public FolderDeviceKeyVault(string folder, bool create = true)
    {
        Folder = Path.GetFullPath(folder);
        if (create) OwnerOnly.CreateDirectory(Folder);
        _counters = new FileDeviceAlertCounters(Folder);
    }

    public string Folder { get; }

    public IDeviceAlertCounters AlertCounters => _counters;

    public string Where(Eui? device) => device is { } d ? BundlePath(d) : CaPath;

    private string CaPath => Path.Combine(Folder, CaFileName);

    private string BundlePath(Eui device) => Path.Combine(Folder, FileStem(device) + ".pem");

    private static string FileStem(Eui device) => device.ToCompactString().ToLowerInvariant();

    /// <summary>The Device CA the folder holds, or null.</summary>
    public string? FindCa() => File.Exists(CaPath) ? File.ReadAllText(CaPath) : null;

    public string KeepCa(Func<string> create)
    {
        if (!File.Exists(CaPath)) WriteOwnerOnly(CaPath, create());
        return File.ReadAllText(CaPath);
    }

    public string? FindBundle(Eui device)
    {
        var path = BundlePath(device);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    // Another process may have written it first: then its keys are the Device's.
    public bool AddBundle(DeviceKeyBundle bundle) => WriteOwnerOnly(BundlePath(bundle.Device), bundle.Pem);

    // A file's name says its Device, not its serials: every bundle may hold it.
    public IEnumerable<Eui> DevicesHolding(BigInteger serial) => Devices();

    public IReadOnlySet<Eui> Devices() => Named(".pem");

    /// <summary>Each Device's last Alert counter, as its file holds it.</summary>
    public IEnumerable<(Eui Device, ulong Last)> AlertCounterValues() => Named(CounterExtension).Select(d => (d, _counters.Last(d)));

    public void RaiseAlertCounter(Eui device, ulong last) => _counters.Raise(device, last);

    private HashSet<Eui> Named(string extension)
    {
        var devices = new HashSet<Eui>();
        if (!Directory.Exists(Folder)) return devices;
        foreach (var name in Directory.EnumerateFiles(Folder, "*" + extension).Select(f => Path.GetFileName(f)[..^extension.Length]))
        {
            if (name is { Length: 16 } && ulong.TryParse(name, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
                devices.Add(new Eui(value));
        }
        return devices;
    }

    /// <summary>Writes the file whole (a 0600 temporary renamed into place); false, leaving it alone, when it already exists.</summary>
    private static bool WriteOwnerOnly(string path, string text)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly.FileMode;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            writer.Write(text);
        try
        {
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
    }
}
