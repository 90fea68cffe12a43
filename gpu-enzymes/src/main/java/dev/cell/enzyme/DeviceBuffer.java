package dev.cell.enzyme;

import java.lang.foreign.MemorySegment;

/**
 * Memory the kernels read and write: on a GPU device memory, addressable only by kernels and stream copies; on the
 * CPU fallback ordinary native memory, also open to the host as {@link #segment()}. Taken from the enzyme's pool and
 * returned to it by {@link #close()}.
 *
 * @since 0.1
 */
public final class DeviceBuffer implements AutoCloseable
{
    private final BufferPool pool;
    private final long address;
    private final long bytes;
    private final long capacity;
    private final MemorySegment segment;
    private boolean closed;

    DeviceBuffer(final BufferPool pool, final long address, final long bytes, final long capacity,
        final MemorySegment segment)
    {
        this.pool = pool;
        this.address = address;
        this.bytes = bytes;
        this.capacity = capacity;
        this.segment = segment;
    }

    /**
     * @return its size as asked for.
     */
    public long bytes()
    {
        return bytes;
    }

    /**
     * @return its device address (a {@code CUdeviceptr} on a GPU).
     */
    public long address()
    {
        checkOpen();
        return address;
    }

    /**
     * @return true when the host can read and write it directly (the CPU fallback).
     */
    public boolean hostVisible()
    {
        return segment != null;
    }

    /**
     * @return its memory, on the CPU fallback.
     * @throws IllegalStateException on a GPU: copy it out through a {@link Stream}.
     */
    public MemorySegment segment()
    {
        checkOpen();
        if (segment == null)
        {
            throw new IllegalStateException("device memory is not addressable from the host: copy it to a " +
                "HostBuffer with Stream.copyOut");
        }
        return segment;
    }

    void checkRange(final long offset, final long length)
    {
        checkOpen();
        if (offset < 0 || length < 0 || offset > bytes - length)
        {
            throw new IndexOutOfBoundsException("bytes " + offset + ".." + (offset + length) + " of a " + bytes +
                "-byte device buffer");
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the buffer was returned to its pool");
        }
    }

    /**
     * Returns it to the pool; using it afterwards throws.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            pool.give(address, capacity);
        }
    }
}
