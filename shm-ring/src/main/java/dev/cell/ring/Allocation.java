package dev.cell.ring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Backs every page of a new ring file with storage before it is mapped, so that a full file system fails the
 * create with an {@link IOException} instead of a SIGBUS on the first touch of a page later. Uses
 * {@code posix_fallocate} through the FFM API where libc has it (Linux), else writes zeros through the channel.
 */
@SuppressWarnings("restricted")
final class Allocation
{
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int EFBIG = 27;
    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;
    private static final int ZERO_CHUNK = 64 * 1024;

    private static final MethodHandle OPEN;
    private static final MethodHandle FALLOCATE;
    private static final MethodHandle CLOSE;

    static
    {
        MethodHandle open = null;
        MethodHandle fallocate = null;
        MethodHandle close = null;
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("linux"))
        {
            try
            {
                final Linker linker = Linker.nativeLinker();
                final SymbolLookup lookup = linker.defaultLookup();
                final Optional<MemorySegment> openSymbol = lookup.find("open");
                final Optional<MemorySegment> fallocateSymbol = lookup.find("posix_fallocate");
                final Optional<MemorySegment> closeSymbol = lookup.find("close");
                if (openSymbol.isPresent() && fallocateSymbol.isPresent() && closeSymbol.isPresent())
                {
                    // int open(const char *path, int flags, ...): the mode is variadic (unused without O_CREAT).
                    open = linker.downcallHandle(openSymbol.get(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                    // int posix_fallocate(int fd, off_t offset, off_t len): returns an errno value, 0 on success.
                    fallocate = linker.downcallHandle(fallocateSymbol.get(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                    close = linker.downcallHandle(closeSymbol.get(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                }
            }
            catch (final RuntimeException ex)
            {
                open = null;
                fallocate = null;
                close = null;
            }
        }
        OPEN = open;
        FALLOCATE = fallocate;
        CLOSE = close;
    }

    private Allocation()
    {
    }

    /**
     * Give the new, empty file {@code length} bytes, every block allocated.
     *
     * @param path    the file (for the native call and messages).
     * @param channel an open, writable channel on it.
     * @param length  its length.
     * @throws IOException naming the file and "no space" when the file system cannot hold it.
     */
    static void reserve(final Path path, final FileChannel channel, final long length) throws IOException
    {
        if (FALLOCATE != null && fallocate(path, length))
        {
            return;
        }
        writeZeros(path, channel, length);
    }

    /**
     * @return true when done, false when the native call is not usable here (then zeros are written).
     */
    private static boolean fallocate(final Path path, final long length) throws IOException
    {
        final int rc;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment cPath = arena.allocateFrom(path.toAbsolutePath().toString());
            final int fd = (int)OPEN.invokeExact(cPath, O_RDWR | O_CLOEXEC);
            if (fd < 0)
            {
                return false;
            }
            try
            {
                rc = (int)FALLOCATE.invokeExact(fd, 0L, length);
            }
            finally
            {
                final int ignored = (int)CLOSE.invokeExact(fd);
            }
        }
        catch (final Throwable ex)
        {
            return false;
        }
        if (rc == 0)
        {
            return true;
        }
        if (rc == ENOSPC || rc == EDQUOT || rc == EFBIG)
        {
            if (rc == EFBIG)
            {
                throw new IOException("cannot allocate " + length + " bytes for " + path + ": no space within " +
                    "this process's file size limit (EFBIG, ulimit -f)");
            }
            throw noSpace(path, length, rc == ENOSPC ? "ENOSPC" : "EDQUOT, disk quota exceeded");
        }
        return false;
    }

    private static void writeZeros(final Path path, final FileChannel channel, final long length) throws IOException
    {
        final ByteBuffer zeros = ByteBuffer.allocate(ZERO_CHUNK);
        long position = 0;
        try
        {
            while (position < length)
            {
                zeros.clear().limit((int)Math.min(ZERO_CHUNK, length - position));
                while (zeros.hasRemaining())
                {
                    position += channel.write(zeros, position);
                }
            }
            channel.force(false);
        }
        catch (final IOException ex)
        {
            final String message = String.valueOf(ex.getMessage());
            if (message.contains("No space") || message.contains("quota") || message.contains("too large"))
            {
                throw noSpace(path, length, message);
            }
            throw new IOException("cannot allocate " + length + " bytes for " + path + ": " + message, ex);
        }
    }

    private static IOException noSpace(final Path path, final long length, final String why)
    {
        return new IOException("cannot allocate " + length + " bytes for " + path + ": no space left on its file " +
            "system (" + why + "); free disk space or point the run folder elsewhere");
    }
}
