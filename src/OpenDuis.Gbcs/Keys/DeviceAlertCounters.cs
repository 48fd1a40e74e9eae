using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Gbcs.Keys;

/// <summary>
/// The Originator Counter a Device puts in the Transaction ID of each Alert it originates: GBCS has it
/// strictly greater than that of every earlier message from the same originator, so a recipient can
/// refuse a replay; not the time, which can repeat or go back. Kept per Device.
/// </summary>
public interface IDeviceAlertCounters
{
    /// <summary>The counter of the Device's next Alert: one more than its last.</summary>
    ulong Next(Eui device);
}

/// <summary>Counters held in memory: for a process whose Devices last no longer than it does.</summary>
public sealed class InMemoryDeviceAlertCounters : IDeviceAlertCounters
{
    private readonly ConcurrentDictionary<Eui, StrongBox> _counters = new();

    public ulong Next(Eui device)
    {
        var box = _counters.GetOrAdd(device, _ => new StrongBox());
        return (ulong)Interlocked.Increment(ref box.Value);
    }

    private sealed class StrongBox { public long Value; }
}

/// <summary>
/// Counters kept durably beside the Device keys: <c>{eui}.alert-counter</c> (0600) holds the last
/// counter in decimal, rewritten and flushed to disk before the Alert that carries it is sent, under
/// an exclusive lock so that processes sharing the folder never hand out the same counter.
/// </summary>
public sealed class FileDeviceAlertCounters(string folder) : IDeviceAlertCounters
{
    private readonly Lock _gate = new();

    public string PathOf(Eui device) => Path.Combine(folder, device.ToCompactString().ToLowerInvariant() + ".alert-counter");

    public ulong Next(Eui device) => Update(device, last => checked(last + 1));

    /// <summary>Raises the Device's last counter to <paramref name="last"/> if it is lower.</summary>
    public void Raise(Eui device, ulong last) => Update(device, held => Math.Max(held, last));

    /// <summary>The Device's last counter (0 when it has sent no Alert).</summary>
    public ulong Last(Eui device) => Update(device, last => last);

    /// <summary>Reads the last counter and writes <paramref name="next"/>'s, under the file's exclusive lock; returns what was written.</summary>
    private ulong Update(Eui device, Func<ulong, ulong> next)
    {
        var path = PathOf(device);
        lock (_gate)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                    if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly.FileMode;
                    using var stream = new FileStream(path, options);
                    var text = new StreamReader(stream, Encoding.ASCII, leaveOpen: true).ReadToEnd().Trim();
                    ulong last = 0;
                    if (text.Length > 0 && !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out last))
                        throw new InvalidDataException($"{path}: the Device's last Alert counter is not a whole number ('{(text.Length > 24 ? text[..24] + "…" : text)}').");
                    var value = next(last);
                    if (value == last && text.Length > 0) return value;
                    stream.SetLength(0);
                    stream.Write(Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture) + "\n"));
                    stream.Flush(flushToDisk: true);
                    return value;
                }
                catch (IOException) when (attempt < 200 && File.Exists(path))
                {
                    Thread.Sleep(5); // another process holds the lock
                }
            }
        }
    }
}
