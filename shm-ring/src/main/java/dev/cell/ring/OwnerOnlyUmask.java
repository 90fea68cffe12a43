package dev.cell.ring;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Sets the process's file-creation mask to {@code 077} (FFM call of libc {@code umask}), so that files the
 * libraries inside an instance create — RocksDB's tables, Chronicle Queue's cycles, Ratis' log segments — are born
 * owner-only like the ones Cell creates itself through {@link PrivateFiles}. Cell's own files get their permissions
 * at creation whatever the mask; this covers the files Cell does not create. Where the call is not available (not
 * Linux), nothing changes and {@link #apply()} says so: the 0700 folders above those files still keep other users
 * out.
 *
 * @since 0.2
 */
public final class OwnerOnlyUmask
{
    private static final int OWNER_ONLY = 0077;

    private OwnerOnlyUmask()
    {
    }

    /**
     * Set the mask to {@code 077}.
     *
     * @return the mask before, or -1 when it could not be set.
     */
    public static int apply()
    {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"))
        {
            return -1;
        }
        try
        {
            final Linker linker = Linker.nativeLinker();
            final Optional<MemorySegment> symbol = linker.defaultLookup().find("umask");
            if (symbol.isEmpty())
            {
                return -1;
            }
            // mode_t umask(mode_t mask): mode_t is a 32-bit unsigned int on Linux; it cannot fail.
            final MethodHandle umask = linker.downcallHandle(symbol.get(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int)umask.invokeExact(OWNER_ONLY);
        }
        catch (final Throwable ex)
        {
            return -1;
        }
    }
}
