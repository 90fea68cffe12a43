package dev.cell.enzyme.kernels;

import dev.cell.enzyme.Backends;
import dev.cell.enzyme.CudaError;
import dev.cell.enzyme.Enzyme;
import dev.cell.enzyme.ModuleSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The index's answers against an independent reference: a scalar double-precision loop over the raw vectors
 * (normalising each pair itself), within float tolerance.
 */
class CosineIndexTest
{
    private static final double TOLERANCE = 2e-5;

    static List<String> backends()
    {
        return Backends.names();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void shouldFindTheSameTopKAsADoublePrecisionReference(final String backend) throws CudaError
    {
        final long seed = System.nanoTime();
        System.out.println("CosineIndexTest seed " + seed + " on " + backend);
        final SplittableRandom random = new SplittableRandom(seed);
        // sizes that are multiples of nothing the kernel groups by (8 queries, 32 lanes, 8 rows per block)
        final int dim = 100;
        final int rows = 3001;
        final int count = 13;
        final int k = 10;
        final float[][] matrix = vectors(random, rows, dim);
        matrix[17] = new float[dim]; // a zero vector scores 0 against everything
        final float[][] queries = vectors(random, count, dim);
        try (Enzyme enzyme = Backends.open(backend); CosineIndex index = new CosineIndex(enzyme, dim, 100))
        {
            checkAgainstReference(index, matrix, queries, k);
        }
    }

    @org.junit.jupiter.api.Test
    void shouldCatchAPlantedBugInAKernel() throws CudaError
    {
        final SplittableRandom random = new SplittableRandom(7);
        final int dim = 100;
        final float[][] matrix = vectors(random, 500, dim);
        final float[][] queries = vectors(random, 9, dim);
        // a CPU twin that forgets the last dimension: off by a little, as a lane-count bug would be
        final ModuleSource base = VectorKernels.module();
        final ModuleSource broken = new ModuleSource("broken", base.ptx(), Map.of(VectorKernels.COSINE_SCORES,
            (grid, block, args) -> VectorKernels.cosineScores(args.bufferAt(0).segment(), args.bufferAt(1).segment(),
                args.bufferAt(2).segment(), args.i32At(3), args.i32At(4) - 1, args.i32At(5))));
        try (Enzyme enzyme = Backends.open("cpu"); CosineIndex index = new CosineIndex(enzyme, broken, dim, 100))
        {
            assertThrows(AssertionError.class, () -> checkAgainstReference(index, matrix, queries, 5));
        }
    }

    private static void checkAgainstReference(final CosineIndex index, final float[][] matrix,
        final float[][] queries, final int k) throws CudaError
    {
        final int rows = matrix.length;
        final int count = queries.length;
        // in uneven chunks, so the device matrix grows (and is copied) several times
        int at = 0;
        for (final int chunk : new int[] {1, rows / 30, rows / 4})
        {
            index.add(wire(Arrays.copyOfRange(matrix, at, at + chunk)), 0, chunk);
            at += chunk;
        }
        index.add(wire(Arrays.copyOfRange(matrix, at, rows)), 0, rows - at);
        assertEquals(rows, index.rows());
        final int[] outRows = new int[count * k];
        final float[] outScores = new float[count * k];
        index.search(wire(queries), 0, count, k, outRows, outScores);
        for (int q = 0; q < count; q++)
        {
            final double[] reference = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                reference[r] = cosine(matrix[r], queries[q]);
            }
            final double[] sorted = reference.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < k; i++)
            {
                final int row = outRows[q * k + i];
                assertEquals(reference[row], outScores[q * k + i], TOLERANCE, "query " + q + " rank " + i);
                // the i-th best of the reference is what was found, within tolerance: no better row was missed
                assertEquals(sorted[rows - 1 - i], outScores[q * k + i], TOLERANCE, "query " + q + " rank " + i);
                if (i > 0)
                {
                    assertTrue(outScores[q * k + i] <= outScores[q * k + i - 1], "best first");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void shouldPadWithMinusOneWhenKIsAboveTheRowsHeld(final String backend) throws CudaError
    {
        try (Enzyme enzyme = Backends.open(backend); CosineIndex index = new CosineIndex(enzyme, 4, 1))
        {
            final int[] outRows = new int[3];
            final float[] outScores = new float[3];
            index.search(wire(new float[][] {{1, 0, 0, 0}}), 0, 1, 3, outRows, outScores);
            assertEquals(-1, outRows[0]);
            index.add(wire(new float[][] {{0, 2, 0, 0}, {3, 0, 0, 0}}), 0, 2);
            index.search(wire(new float[][] {{1, 0, 0, 0}}), 0, 1, 3, outRows, outScores);
            assertEquals(1, outRows[0]);
            assertEquals(1.0f, outScores[0], 1e-6f);
            assertEquals(0, outRows[1]);
            assertEquals(0.0f, outScores[1], 1e-6f);
            assertEquals(-1, outRows[2]);
            assertTrue(Float.isNaN(outScores[2]));
        }
    }

    static float[][] vectors(final SplittableRandom random, final int n, final int dim)
    {
        final float[][] v = new float[n][dim];
        for (final float[] row : v)
        {
            for (int d = 0; d < dim; d++)
            {
                row[d] = (float)(random.nextDouble() * 2 - 1);
            }
        }
        return v;
    }

    static MemorySegment wire(final float[][] vectors)
    {
        final ByteBuffer bytes = ByteBuffer.allocate(4 * vectors.length * vectors[0].length)
            .order(ByteOrder.LITTLE_ENDIAN);
        for (final float[] v : vectors)
        {
            for (final float x : v)
            {
                bytes.putFloat(x);
            }
        }
        return MemorySegment.ofArray(bytes.array());
    }

    static double cosine(final float[] a, final float[] b)
    {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
