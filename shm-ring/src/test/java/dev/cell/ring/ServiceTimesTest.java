package dev.cell.ring;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceTimesTest
{
    @Test
    void everyDurationFallsInABucketWhoseUpperBoundIsWithinAQuarter()
    {
        final long seed = System.nanoTime();
        System.out.println("ServiceTimesTest seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 100_000; i++)
        {
            final long nanos = random.nextLong(1, 1L << random.nextInt(1, 50));
            final int b = ServiceTimes.bucket(nanos);
            final long upper = ServiceTimes.upperBound(b);
            assertTrue(upper >= nanos, nanos + " -> bucket " + b + " upper " + upper + " (seed " + seed + ")");
            assertTrue(upper <= nanos * 1.25 + 1, nanos + " -> upper " + upper + " (seed " + seed + ")");
            assertTrue(b == 0 || ServiceTimes.upperBound(b - 1) < nanos, nanos + " below bucket " + b);
        }
    }

    @Test
    void percentileBetweenTwoSnapshotsCountsOnlyTheRunsInBetween()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(ServiceTimes.BUCKETS * 8));
        final ServiceTimes before = new ServiceTimes();
        final ServiceTimes after = new ServiceTimes();
        record(buffer, 1_000_000, 50); // 50 slow runs before the first snapshot
        before.read(buffer, 0, 50);
        for (int i = 0; i < 99; i++)
        {
            record(buffer, 1_000, 1);
        }
        record(buffer, 40_000, 1);
        after.read(buffer, 0, 150);
        assertEquals(100, after.calls() - before.calls());
        final long p99 = after.percentileSince(before, 99.0);
        assertTrue(p99 >= 1_000 && p99 < 1_250, "p99 of 99 x 1 us + 1 x 40 us is ~1 us: " + p99);
        final long max = after.percentileSince(before, 100.0);
        assertTrue(max >= 40_000 && max < 50_000, String.valueOf(max));
        assertTrue(after.percentileSince(null, 99.0) >= 1_000_000, "all runs include the slow ones");
        assertEquals(-1, before.percentileSince(before, 99.0), "nothing in between");
    }

    private static void record(final UnsafeBuffer buffer, final long nanos, final int times)
    {
        final int offset = ServiceTimes.bucket(nanos) * 8;
        buffer.putLong(offset, buffer.getLong(offset) + times);
    }
}
