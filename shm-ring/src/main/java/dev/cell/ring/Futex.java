package dev.cell.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Linux futex on an int in a shared mapping, through the FFM API ({@code syscall(SYS_futex, ...)}).
 * Non-private operations, since waiter and waker are different processes mapping the same file.
 * {@link #AVAILABLE} is false on other systems or architectures, or when native access fails; callers then fall
 * back to timed parking.
 */
@SuppressWarnings("restricted")
final class Futex
{
    static final int FUTEX_WAIT = 0;
    static final int FUTEX_WAKE = 1;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final MethodHandle SYSCALL;
    private static final long SYS_FUTEX;

    /**
     * True when futex calls work here.
     */
    static final boolean AVAILABLE;

    /**
     * Why futex calls are not available (null when they are).
     */
    static final String UNAVAILABLE_REASON;

    private static final ThreadLocal<MemorySegment> TIMESPEC =
        ThreadLocal.withInitial(() -> Arena.global().allocate(16, 8));

    static
    {
        MethodHandle handle = null;
        long number = -1;
        String reason = null;
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux"))
        {
            reason = "not Linux (" + os + ")";
        }
        else if (arch.equals("amd64") || arch.equals("x86_64"))
        {
            number = 202;
        }
        else if (arch.equals("aarch64") || arch.equals("arm64") || arch.equals("riscv64"))
        {
            number = 98;
        }
        else
        {
            reason = "unsupported architecture " + arch;
        }
        if (number > 0 && !Boolean.getBoolean("cell.futex.disable"))
        {
            try
            {
                final Linker linker = Linker.nativeLinker();
                final SymbolLookup lookup = linker.defaultLookup();
                final Optional<MemorySegment> symbol = lookup.find("syscall");
                if (symbol.isEmpty())
                {
                    reason = "libc has no syscall symbol";
                }
                else
                {
                    // long syscall(long number, ...): uaddr, op, val, timeout, uaddr2, val3 are variadic.
                    final FunctionDescriptor descriptor = FunctionDescriptor.of(
                        ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT);
                    handle = linker.downcallHandle(
                        symbol.get(), descriptor, Linker.Option.firstVariadicArg(1));
                    // Probe: a wake on a private, unwatched word must return 0.
                    final MemorySegment probe = Arena.global().allocate(8, 8);
                    final long rc = (long)handle.invokeExact(
                        number, probe.address(), FUTEX_WAKE, 1, MemorySegment.NULL, MemorySegment.NULL, 0);
                    if (rc != 0)
                    {
                        reason = "futex probe returned " + rc;
                        handle = null;
                    }
                }
            }
            catch (final Throwable ex)
            {
                reason = "native access failed: " + ex;
                handle = null;
            }
        }
        else if (number > 0)
        {
            reason = "disabled by -Dcell.futex.disable=true";
        }
        SYSCALL = handle;
        SYS_FUTEX = number;
        AVAILABLE = handle != null;
        UNAVAILABLE_REASON = AVAILABLE ? null : reason;
    }

    private Futex()
    {
    }

    /**
     * Sleep while the int at {@code address} equals {@code expected}, at most {@code timeoutNs}.
     * Returns early on a wake, a value change, a signal or spuriously: callers re-check their condition.
     *
     * @param address   address of a 4-byte aligned int in a shared mapping.
     * @param expected  the value seen before deciding to sleep.
     * @param timeoutNs the longest sleep.
     */
    static void await(final long address, final int expected, final long timeoutNs)
    {
        final MemorySegment timespec = TIMESPEC.get();
        timespec.set(ValueLayout.JAVA_LONG, 0, timeoutNs / NANOS_PER_SECOND);
        timespec.set(ValueLayout.JAVA_LONG, 8, timeoutNs % NANOS_PER_SECOND);
        try
        {
            final long ignored = (long)SYSCALL.invokeExact(
                SYS_FUTEX, address, FUTEX_WAIT, expected, timespec, MemorySegment.NULL, 0);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("futex wait failed", ex);
        }
    }

    /**
     * Wake every waiter on the int at {@code address}.
     *
     * @param address address of the int.
     * @return how many waiters were woken, or negative on error.
     */
    static long wake(final long address)
    {
        try
        {
            return (long)SYSCALL.invokeExact(
                SYS_FUTEX, address, FUTEX_WAKE, Integer.MAX_VALUE, MemorySegment.NULL, MemorySegment.NULL, 0);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("futex wake failed", ex);
        }
    }
}
