package dev.cell.enzyme;

import org.agrona.collections.LongArrayList;

/**
 * Memory of one kind (device or pinned host) handed out in power-of-two size classes and kept for reuse when
 * returned, so a handler that takes and returns a buffer per call does not reach the driver after the first calls.
 * Cached memory above a limit is freed at once. Thread safe.
 */
final class BufferPool
{
    /**
     * Where the pool's memory comes from.
     */
    interface Allocator
    {
        /**
         * @param bytes how many.
         * @return the address.
         * @throws CudaError when the driver refuses.
         */
        long allocate(long bytes) throws CudaError;

        /**
         * @param address what {@link #allocate} returned.
         * @param bytes   its size.
         */
        void free(long address, long bytes);
    }

    static final int MIN_CLASS = 12; // 4 KiB
    private static final int CLASSES = 63;

    private final Allocator allocator;
    private final long cacheLimit;
    private final LongArrayList[] cached = new LongArrayList[CLASSES];
    private long inUse;
    private long cachedBytes;
    private boolean closed;

    /**
     * @param allocator  where memory comes from.
     * @param cacheLimit the most bytes kept for reuse.
     */
    BufferPool(final Allocator allocator, final long cacheLimit)
    {
        this.allocator = allocator;
        this.cacheLimit = cacheLimit;
        for (int i = 0; i < CLASSES; i++)
        {
            cached[i] = new LongArrayList();
        }
    }

    /**
     * @param bytes at least 1.
     * @return the size class that holds them: a power of two, at least 4 KiB.
     */
    static long capacityFor(final long bytes)
    {
        if (bytes < 1 || bytes > 1L << 46)
        {
            throw new IllegalArgumentException("a buffer holds 1 byte to 64 TiB, not " + bytes);
        }
        return Math.max(1L << MIN_CLASS, Long.highestOneBit(bytes - 1) << 1);
    }

    /**
     * @param capacity a size class ({@link #capacityFor}).
     * @return an address of that many bytes.
     * @throws CudaError when the driver refuses, after freeing what the pool caches and trying once more.
     */
    synchronized long take(final long capacity) throws CudaError
    {
        if (closed)
        {
            throw new IllegalStateException("the enzyme is closed");
        }
        final LongArrayList list = cached[Long.numberOfTrailingZeros(capacity)];
        final long address;
        if (!list.isEmpty())
        {
            address = list.popLong();
            cachedBytes -= capacity;
        }
        else
        {
            address = allocateOrTrim(capacity);
        }
        inUse += capacity;
        return address;
    }

    private long allocateOrTrim(final long capacity) throws CudaError
    {
        try
        {
            return allocator.allocate(capacity);
        }
        catch (final CudaError ex)
        {
            if (cachedBytes == 0)
            {
                throw ex;
            }
            trim();
            return allocator.allocate(capacity);
        }
    }

    /**
     * @param address  what {@link #take} returned.
     * @param capacity its size class.
     */
    synchronized void give(final long address, final long capacity)
    {
        inUse -= capacity;
        if (closed || cachedBytes + capacity > cacheLimit)
        {
            allocator.free(address, capacity);
            return;
        }
        cached[Long.numberOfTrailingZeros(capacity)].pushLong(address);
        cachedBytes += capacity;
    }

    /**
     * @return bytes handed out and not returned.
     */
    synchronized long inUse()
    {
        return inUse;
    }

    /**
     * @return bytes kept for reuse.
     */
    synchronized long cachedBytes()
    {
        return cachedBytes;
    }

    /**
     * Frees what is cached; later returns are freed at once.
     */
    synchronized void close()
    {
        trim();
        closed = true;
    }

    private void trim()
    {
        for (int i = 0; i < CLASSES; i++)
        {
            final LongArrayList list = cached[i];
            while (!list.isEmpty())
            {
                allocator.free(list.popLong(), 1L << i);
            }
        }
        cachedBytes = 0;
    }
}
