package dev.cell.ring;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
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
    private final Arena arena;
    private final MemorySegment segment;
    private final UnsafeBuffer buffer;
    private boolean closed;

    private MappedFile(final Path path, final Arena arena, final MemorySegment segment)
    {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.buffer = new UnsafeBuffer(segment.address(), Math.toIntExact(segment.byteSize()));
    }

    /**
     * Create a new file of {@code length} bytes (zero filled, sparse) and map it.
     *
     * @param path   the file; must not exist.
     * @param length its length.
     * @return the mapping.
     * @throws IOException when the file exists or cannot be created.
     */
    static MappedFile create(final Path path, final long length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            channel.truncate(length);
            channel.position(length - 1);
            channel.write(java.nio.ByteBuffer.wrap(new byte[1]));
            return map(path, channel, length);
        }
    }

    /**
     * Map an existing file whole.
     *
     * @param path      the file.
     * @param minLength the least length it must have.
     * @return the mapping.
     * @throws IOException when it cannot be opened or is shorter than {@code minLength}.
     */
    static MappedFile open(final Path path, final long minLength) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
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
            return map(path, channel, length);
        }
    }

    private static MappedFile map(final Path path, final FileChannel channel, final long length) throws IOException
    {
        final Arena arena = Arena.ofShared();
        try
        {
            final MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, length, arena);
            return new MappedFile(path, arena, segment);
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

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            arena.close();
        }
    }
}
