package dev.cell.enzyme;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BufferPoolTest
{
    /** Hands out fake addresses, counts frees, refuses when told to. */
    private static final class Counting implements BufferPool.Allocator
    {
        long next = 1 << 20;
        int allocations;
        int refusals;
        final List<Long> freed = new ArrayList<>();

        @Override
        public long allocate(final long bytes) throws CudaError
        {
            if (refusals > 0)
            {
                refusals--;
                throw new CudaError("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", "");
            }
            allocations++;
            final long a = next;
            next += bytes;
            return a;
        }

        @Override
        public void free(final long address, final long bytes)
        {
            freed.add(address);
        }
    }

    @Test
    void shouldRoundToPowerOfTwoClassesOfAtLeastFourKiB()
    {
        assertEquals(4096, BufferPool.capacityFor(1));
        assertEquals(4096, BufferPool.capacityFor(4096));
        assertEquals(8192, BufferPool.capacityFor(4097));
        assertEquals(1L << 30, BufferPool.capacityFor((1L << 30) - 5));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.capacityFor(0));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.capacityFor(-4));
    }

    @Test
    void shouldReuseReturnedMemoryWithoutAskingTheDriver() throws CudaError
    {
        final Counting driver = new Counting();
        final BufferPool pool = new BufferPool(driver, 1 << 20);
        final long a = pool.take(8192);
        pool.give(a, 8192);
        assertEquals(a, pool.take(8192));
        assertEquals(1, driver.allocations);
        assertEquals(8192, pool.inUse());
        final long b = pool.take(4096);
        assertEquals(2, driver.allocations);
        pool.give(b, 4096);
        assertEquals(4096, pool.cachedBytes());
    }

    @Test
    void shouldFreeAtOnceWhatWouldPassTheCacheLimit() throws CudaError
    {
        final Counting driver = new Counting();
        final BufferPool pool = new BufferPool(driver, 8192);
        final long a = pool.take(8192);
        final long b = pool.take(8192);
        pool.give(a, 8192);
        pool.give(b, 8192);
        assertEquals(List.of(b), driver.freed);
        assertEquals(8192, pool.cachedBytes());
    }

    @Test
    void shouldFreeTheCacheAndRetryWhenTheDeviceIsFull() throws CudaError
    {
        final Counting driver = new Counting();
        final BufferPool pool = new BufferPool(driver, 1 << 20);
        final long a = pool.take(4096);
        pool.give(a, 4096);
        driver.refusals = 1;
        pool.take(1 << 16);
        assertEquals(List.of(a), driver.freed);
        driver.refusals = 2;
        assertThrows(CudaError.class, () -> pool.take(1 << 16));
    }

    @Test
    void shouldFreeEverythingOnCloseAndLaterReturnsAtOnce() throws CudaError
    {
        final Counting driver = new Counting();
        final BufferPool pool = new BufferPool(driver, 1 << 20);
        final long a = pool.take(4096);
        final long b = pool.take(4096);
        pool.give(a, 4096);
        pool.close();
        assertEquals(List.of(a), driver.freed);
        pool.give(b, 4096);
        assertEquals(List.of(a, b), driver.freed);
        assertThrows(IllegalStateException.class, () -> pool.take(4096));
    }
}
