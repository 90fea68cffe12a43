package dev.cell.enzyme.kernels;

import dev.cell.enzyme.CudaError;
import dev.cell.enzyme.DeviceBuffer;
import dev.cell.enzyme.Dim;
import dev.cell.enzyme.Kernel;
import dev.cell.enzyme.KernelArgs;
import dev.cell.enzyme.ModuleSource;
import dev.cell.enzyme.Stream;

import java.lang.foreign.MemorySegment;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The vector kernels ({@code vector.cu}, shipped as {@code vector.ptx}) and their CPU twins.
 * <p>
 * {@code cosine_scores(matrix, queries, scores, rows, dim, count)}: {@code scores[q * rows + r]} is the dot product of
 * matrix row {@code r} and query {@code q} (the cosine when both are unit length). Float32, row-major.
 *
 * @since 0.1
 */
public final class VectorKernels
{
    /**
     * The kernel's name.
     */
    public static final String COSINE_SCORES = "cosine_scores";
    /**
     * Queries one block scores per pass over a row ({@code QB} in the source).
     */
    public static final int QUERIES_PER_BLOCK = 8;
    /**
     * Threads per block: 8 warps, one row each.
     */
    public static final int BLOCK_THREADS = 256;
    /**
     * The longest vector: its block's queries must fit 48 KiB of shared memory.
     */
    public static final int MAX_DIM = 48 * 1024 / (4 * QUERIES_PER_BLOCK);

    private VectorKernels()
    {
    }

    /**
     * @return the module: the shipped PTX and the CPU twins.
     */
    public static ModuleSource module()
    {
        return ModuleSource.fromResource(VectorKernels.class, "/dev/cell/enzyme/kernels/vector.ptx",
            Map.of(COSINE_SCORES, (grid, block, args) -> cosineScores(args.bufferAt(0).segment(),
                args.bufferAt(1).segment(), args.bufferAt(2).segment(), args.i32At(3), args.i32At(4), args.i32At(5))));
    }

    /**
     * Queues {@code cosine_scores} with its grid and shared memory worked out.
     *
     * @param stream  where.
     * @param kernel  the module's {@code cosine_scores}.
     * @param args    reused arguments (cleared here).
     * @param matrix  rows x dim floats.
     * @param queries count x dim floats.
     * @param scores  count x rows floats, written.
     * @param rows    matrix rows.
     * @param dim     floats per vector, 1..{@link #MAX_DIM}.
     * @param count   queries.
     * @throws CudaError when the driver refuses the launch.
     */
    public static void cosineScores(final Stream stream, final Kernel kernel, final KernelArgs args,
        final DeviceBuffer matrix, final DeviceBuffer queries, final DeviceBuffer scores, final int rows,
        final int dim, final int count) throws CudaError
    {
        if (dim < 1 || dim > MAX_DIM || rows < 1 || count < 1)
        {
            throw new IllegalArgumentException("rows, queries at least 1 and dim 1.." + MAX_DIM + ": " + rows + ", " +
                count + ", " + dim);
        }
        need(matrix, 4L * rows * dim, "matrix");
        need(queries, 4L * count * dim, "queries");
        need(scores, 4L * count * rows, "scores");
        final int rowsPerBlock = BLOCK_THREADS / 32;
        stream.launch(kernel, Dim.of(Dim.cover(rows, rowsPerBlock), Dim.cover(count, QUERIES_PER_BLOCK)),
            Dim.of(BLOCK_THREADS), 4 * QUERIES_PER_BLOCK * dim,
            args.clear().buffer(matrix).buffer(queries).buffer(scores).i32(rows).i32(dim).i32(count));
    }

    private static void need(final DeviceBuffer buffer, final long bytes, final String what)
    {
        if (buffer.bytes() < bytes)
        {
            throw new IllegalArgumentException(what + " needs " + bytes + " bytes, its buffer has " + buffer.bytes());
        }
    }

    /**
     * The CPU twin of {@code cosine_scores}: each row is read once per {@link #QUERIES_PER_BLOCK} queries, as on the
     * GPU, with one accumulator per query.
     *
     * @param matrix  rows x dim floats.
     * @param queries count x dim floats.
     * @param scores  count x rows floats, written.
     * @param rows    matrix rows.
     * @param dim     floats per vector.
     * @param count   queries.
     */
    public static void cosineScores(final MemorySegment matrix, final MemorySegment queries,
        final MemorySegment scores, final int rows, final int dim, final int count)
    {
        for (int q0 = 0; q0 < count; q0 += QUERIES_PER_BLOCK)
        {
            final int nq = Math.min(QUERIES_PER_BLOCK, count - q0);
            for (int r = 0; r < rows; r++)
            {
                final long row = (long)r * dim;
                if (nq == QUERIES_PER_BLOCK)
                {
                    eight(matrix, queries, scores, row, (long)q0 * dim, dim, rows, q0, r);
                }
                else
                {
                    for (int j = 0; j < nq; j++)
                    {
                        final long q = (long)(q0 + j) * dim;
                        float acc = 0;
                        for (int d = 0; d < dim; d++)
                        {
                            acc = Math.fma(matrix.getAtIndex(JAVA_FLOAT, row + d), queries.getAtIndex(JAVA_FLOAT, q + d),
                                acc);
                        }
                        scores.setAtIndex(JAVA_FLOAT, (long)(q0 + j) * rows + r, acc);
                    }
                }
            }
        }
    }

    private static void eight(final MemorySegment matrix, final MemorySegment queries, final MemorySegment scores,
        final long row, final long q, final int dim, final int rows, final int q0, final int r)
    {
        float a0 = 0;
        float a1 = 0;
        float a2 = 0;
        float a3 = 0;
        float a4 = 0;
        float a5 = 0;
        float a6 = 0;
        float a7 = 0;
        for (int d = 0; d < dim; d++)
        {
            final float v = matrix.getAtIndex(JAVA_FLOAT, row + d);
            a0 = Math.fma(v, queries.getAtIndex(JAVA_FLOAT, q + d), a0);
            a1 = Math.fma(v, queries.getAtIndex(JAVA_FLOAT, q + dim + d), a1);
            a2 = Math.fma(v, queries.getAtIndex(JAVA_FLOAT, q + 2L * dim + d), a2);
            a3 = Math.fma(v, queries.getAtIndex(JAVA_FLOAT, q + 3L * dim + d), a3);
            a4 = Math.fma(v, queries.getAtIndex(JAVA_FLOAT, q + 4L * dim + d), a4);
            a5 = Math.fma(v, queries.getAtIndex(JAVA_FLOAT, q + 5L * dim + d), a5);
            a6 = Math.fma(v, queries.getAtIndex(JAVA_FLOAT, q + 6L * dim + d), a6);
            a7 = Math.fma(v, queries.getAtIndex(JAVA_FLOAT, q + 7L * dim + d), a7);
        }
        final long out = (long)q0 * rows + r;
        scores.setAtIndex(JAVA_FLOAT, out, a0);
        scores.setAtIndex(JAVA_FLOAT, out + rows, a1);
        scores.setAtIndex(JAVA_FLOAT, out + 2L * rows, a2);
        scores.setAtIndex(JAVA_FLOAT, out + 3L * rows, a3);
        scores.setAtIndex(JAVA_FLOAT, out + 4L * rows, a4);
        scores.setAtIndex(JAVA_FLOAT, out + 5L * rows, a5);
        scores.setAtIndex(JAVA_FLOAT, out + 6L * rows, a6);
        scores.setAtIndex(JAVA_FLOAT, out + 7L * rows, a7);
    }
}
