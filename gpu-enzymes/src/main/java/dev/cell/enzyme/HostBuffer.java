package dev.cell.enzyme;

import java.lang.foreign.MemorySegment;

/**
 * Host memory for copies to and from the device: page-locked (pinned) on a GPU, so the copy engine reads it directly
 * and copies run asynchronously. Taken from the enzyme's pool and returned to it by {@link #close()}.
 *
 * @since 0.1
 */
public final class HostBuffer implements AutoCloseable
{
    private final BufferPool pool;
    private final long address;
    private final long capacity;
    private final MemorySegment segment;
    private boolean closed;

    HostBuffer(final BufferPool pool, final long address, final long bytes, final long capacity)
    {
        this.pool = pool;
        this.address = address;
        this.capacity = capacity;
        this.segment = MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    /**
     * @return its size as asked for.
     */
    public long bytes()
    {
        return segment.byteSize();
    }

    /**
     * @return its memory.
     */
    public MemorySegment segment()
    {
        checkOpen();
        return segment;
    }

    long address()
    {
        checkOpen();
        return address;
    }

    void checkRange(final long offset, final long length)
    {
        checkOpen();
        if (offset < 0 || length < 0 || offset > segment.byteSize() - length)
        {
            throw new IndexOutOfBoundsException("bytes " + offset + ".." + (offset + length) + " of a " +
                segment.byteSize() + "-byte host buffer");
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
