using System.Runtime.InteropServices;

namespace OpenDuis.Bench;

/// <summary>
/// The calling thread's CPU time (Linux CLOCK_THREAD_CPUTIME_ID). A figure timed this way is the thread's own work:
/// the process's CPU time would also count what its other threads (the JIT's tiering, the collector, a server's
/// writers) did meanwhile.
/// </summary>
internal static class ThreadCpuTime
{
    /// <summary>Whether <see cref="Now"/> is the thread's own time on this system.</summary>
    public static bool Available => OperatingSystem.IsLinux();

    /// <summary>The thread's CPU time so far; zero where the system does not give it.</summary>
    public static TimeSpan Now()
    {
        if (!Available || clock_gettime(ClockThreadCpuTime, out var t) != 0) return TimeSpan.Zero;
        return TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
    }

    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

#pragma warning disable SYSLIB1054 // one call per measurement: DllImport's marshalling needs no source generator here
    [DllImport("libc", SetLastError = false)]
    private static extern int clock_gettime(int clock, out Timespec time);
#pragma warning restore SYSLIB1054
}
