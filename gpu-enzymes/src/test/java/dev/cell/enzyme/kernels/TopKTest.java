package dev.cell.enzyme.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class TopKTest
{
    @Test
    void shouldMatchASortWithTiesToTheLowerRow()
    {
        final long seed = System.nanoTime();
        System.out.println("TopKTest seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined())
        {
            for (int round = 0; round < 200; round++)
            {
                final int rows = 1 + random.nextInt(300);
                final int k = 1 + random.nextInt(20);
                final MemorySegment scores = arena.allocate(4L * rows * 2);
                final float[] values = new float[rows];
                for (int r = 0; r < rows; r++)
                {
                    values[r] = random.nextInt(40) / 8f; // many ties
                    scores.setAtIndex(JAVA_FLOAT, rows + r, values[r]); // query 1
                }
                final int[] outRows = new int[2 * k];
                final float[] outScores = new float[2 * k];
                TopK.select(scores, rows, 1, k, outRows, outScores);
                final int[] expected = IntStream.range(0, rows).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(r -> -values[r]).thenComparingInt(r -> r))
                    .mapToInt(Integer::intValue).limit(k).toArray();
                final int[] padded = Arrays.copyOf(expected, k);
                Arrays.fill(padded, expected.length, k, -1);
                assertArrayEquals(padded, Arrays.copyOfRange(outRows, k, 2 * k), "seed " + seed + " round " + round);
            }
        }
    }
}
