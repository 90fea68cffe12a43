package dev.cell.ring;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file mapped read-write with the FFM API: one mapping gives both an {@link UnsafeBuffer} view (for Agrona rings
 * and plain/atomic field access) and the native address (for futex calls).
 * <p>
 * Closing unmaps; the caller must make sure no thread still touches {@link #buffer()} (the buffer accesses memory
 * by address, the arena cannot guard it).
 */
final class MappedFile implements AutoCloseable
{
    private final Path path;
    private final FileChannel channel;
    private final Arena arena;
    private final MemorySegment segment;
    private final UnsafeBuffer buffer;
    private boolean closed;

    private MappedFile(final Path path, final FileChannel channel, final Arena arena, final MemorySegment segment)
    {
        this.path = path;
        this.channel = channel;
        this.arena = arena;
        this.segment = segment;
        this.buffer = new UnsafeBuffer(segment.address(), Math.toIntExact(segment.byteSize()));
    }

    /**
     * Create a new file of {@code length} bytes, owner-only (0600), every block allocated up front (see
     * {@link Allocation}), and map it. A failure deletes the file again.
     *
     * @param path   the file; must not exist.
     * @param length its length.
     * @return the mapping.
     * @throws IOException when the file exists or cannot be created, or its file system has no space for it.
     */
    static MappedFile create(final Path path, final long length) throws IOException
    {
        final FileChannel channel = PrivateFiles.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        boolean ok = false;
        try
        {
            Allocation.reserve(path, channel, length);
            final MappedFile file = map(path, channel, length);
            ok = true;
            return file;
        }
        finally
        {
            if (!ok)
            {
                channel.close();
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * Map an existing file whole. The channel stays open so that {@link #intact()} can tell when the file shrank.
     *
     * @param path      the file.
     * @param minLength the least length it must have.
     * @return the mapping.
     * @throws IOException when it cannot be opened or is shorter than {@code minLength}.
     */
    static MappedFile open(final Path path, final long minLength) throws IOException
    {
        final FileChannel channel = FileChannel.open(
            path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        boolean ok = false;
        try
        {
            final long length = channel.size();
            if (length < minLength)
            {
                throw new LayoutException(
                    path + " is " + length + " bytes, shorter than the " + minLength + " bytes of its header");
            }
            if (length > Integer.MAX_VALUE)
            {
                throw new LayoutException(path + " is " + length + " bytes, more than a mapping can hold");
            }
            final MappedFile file = map(path, channel, length);
            ok = true;
            return file;
        }
        finally
        {
            if (!ok)
            {
                channel.close();
            }
        }
    }

    private static MappedFile map(final Path path, final FileChannel channel, final long length) throws IOException
    {
        final Arena arena = Arena.ofShared();
        try
        {
            final MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, length, arena);
            return new MappedFile(path, channel, arena, segment);
        }
        catch (final IOException | RuntimeException ex)
        {
            arena.close();
            throw ex;
        }
    }

    Path path()
    {
        return path;
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    long address()
    {
        return segment.address();
    }

    int length()
    {
        return buffer.capacity();
    }

    /**
     * Whether the file still covers the whole mapping. A file truncated by another process makes any access past
     * its new end fault (SIGBUS): callers check this (an {@code fstat}, not for hot paths) before touching a
     * mapping that a peer could have shrunk, and treat false as closed.
     *
     * @return false when the file is shorter than the mapping, or its size cannot be read.
     */
    synchronized boolean intact()
    {
        if (closed)
        {
            return false;
        }
        try
        {
            return channel.size() >= buffer.capacity();
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            arena.close();
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Nothing to flush: the mapping is gone, the descriptor with it.
            }
        }
    }
}
