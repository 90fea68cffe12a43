package dev.cell.enzyme.kernels;

import dev.cell.enzyme.CudaError;
import dev.cell.enzyme.DeviceBuffer;
import dev.cell.enzyme.Enzyme;
import dev.cell.enzyme.HostBuffer;
import dev.cell.enzyme.Kernel;
import dev.cell.enzyme.KernelArgs;
import dev.cell.enzyme.KernelModule;
import dev.cell.enzyme.ModuleSource;
import dev.cell.enzyme.Stream;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * A matrix of unit-length float32 embeddings kept in device memory, answering batches of top-k cosine-similarity
 * queries: queries are normalised into pinned memory, copied in, scored by {@code cosine_scores}, the scores copied
 * out and the k best of each picked on the host. Vectors arrive as little-endian float32 bytes (as they travel in a
 * cell's message) and are normalised on the way into pinned memory: one copy, no intermediate arrays. Buffers are
 * kept and grown by doubling. Not thread safe: a cell's handlers run on one thread.
 *
 * @since 0.1
 */
public final class CosineIndex implements AutoCloseable
{
    private static final ValueLayout.OfFloat WIRE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED
        .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final Enzyme enzyme;
    private final int dim;
    private final KernelModule module;
    private final Kernel kernel;
    private final Stream stream;
    private final KernelArgs args = new KernelArgs(6);
    private DeviceBuffer matrix;
    private HostBuffer staging;
    private DeviceBuffer queries;
    private DeviceBuffer scores;
    private HostBuffer scoresOut;
    private int rows;
    private int capacity;

    /**
     * @param enzyme   where to run.
     * @param dim      floats per vector, 1..{@link VectorKernels#MAX_DIM}.
     * @param capacity rows to make room for at first (grows by doubling).
     * @throws CudaError when the module does not load or memory cannot be had.
     */
    public CosineIndex(final Enzyme enzyme, final int dim, final int capacity) throws CudaError
    {
        this(enzyme, VectorKernels.module(), dim, capacity);
    }

    /**
     * @param enzyme   where to run.
     * @param source   a module with {@code cosine_scores} (tests plant a broken CPU twin through this).
     * @param dim      floats per vector, 1..{@link VectorKernels#MAX_DIM}.
     * @param capacity rows to make room for at first (grows by doubling).
     * @throws CudaError when the module does not load or memory cannot be had.
     */
    public CosineIndex(final Enzyme enzyme, final ModuleSource source, final int dim, final int capacity)
        throws CudaError
    {
        if (dim < 1 || dim > VectorKernels.MAX_DIM)
        {
            throw new IllegalArgumentException("dim is 1.." + VectorKernels.MAX_DIM + ", not " + dim);
        }
        this.enzyme = enzyme;
        this.dim = dim;
        this.capacity = Math.max(1, capacity);
        module = enzyme.load(source);
        kernel = module.kernel(VectorKernels.COSINE_SCORES);
        stream = enzyme.stream();
        matrix = enzyme.alloc(4L * dim * this.capacity);
    }

    /**
     * @return floats per vector.
     */
    public int dim()
    {
        return dim;
    }

    /**
     * @return vectors held.
     */
    public int rows()
    {
        return rows;
    }

    /**
     * Appends vectors (normalised to unit length; a zero vector stays zero and scores 0 against everything).
     *
     * @param vectors {@code n x dim} little-endian float32 values.
     * @param offset  where they start in {@code vectors}.
     * @param n       how many vectors.
     * @throws CudaError when the device cannot take them.
     */
    public void add(final MemorySegment vectors, final long offset, final int n) throws CudaError
    {
        checkVectors(vectors, offset, n);
        if ((long)rows + n > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("an index holds at most " + Integer.MAX_VALUE + " vectors");
        }
        if (rows + n > capacity)
        {
            int grown = capacity;
            while (grown < rows + n)
            {
                grown = (int)Math.min(Integer.MAX_VALUE, 2L * grown);
            }
            final DeviceBuffer bigger = enzyme.alloc(4L * dim * grown);
            if (rows > 0)
            {
                stream.copy(matrix, 0, bigger, 0, 4L * dim * rows);
                stream.sync();
            }
            matrix.close();
            matrix = bigger;
            capacity = grown;
        }
        staging = fit(staging, 4L * dim * n);
        normalise(vectors, offset, staging.segment(), n);
        stream.copyIn(staging, 0, matrix, 4L * dim * rows, 4L * dim * n);
        stream.sync();
        rows += n;
    }

    /**
     * Scores a batch of queries against every vector and keeps the k best of each.
     *
     * @param vectors   {@code count x dim} little-endian float32 query values.
     * @param offset    where they start.
     * @param count     queries.
     * @param k         results per query, at least 1.
     * @param outRows   {@code count x k}: the rows, best first; -1 past the last row.
     * @param outScores {@code count x k}: their cosine similarity.
     * @throws CudaError when a copy or the kernel fails.
     */
    public void search(final MemorySegment vectors, final long offset, final int count, final int k,
        final int[] outRows, final float[] outScores) throws CudaError
    {
        checkVectors(vectors, offset, count);
        if (count < 1 || k < 1 || outRows.length < (long)count * k || outScores.length < (long)count * k)
        {
            throw new IllegalArgumentException("at least one query and k >= 1, with room for count x k results");
        }
        if (rows == 0)
        {
            java.util.Arrays.fill(outRows, 0, count * k, -1);
            java.util.Arrays.fill(outScores, 0, count * k, Float.NaN);
            return;
        }
        final long queryBytes = 4L * dim * count;
        staging = fit(staging, queryBytes);
        queries = fit(queries, queryBytes);
        scores = fit(scores, 4L * rows * count);
        scoresOut = fit(scoresOut, 4L * rows * count);
        normalise(vectors, offset, staging.segment(), count);
        stream.copyIn(staging, 0, queries, 0, queryBytes);
        VectorKernels.cosineScores(stream, kernel, args, matrix, queries, scores, rows, dim, count);
        stream.copyOut(scores, 0, scoresOut, 0, 4L * rows * count);
        stream.sync();
        for (int q = 0; q < count; q++)
        {
            TopK.select(scoresOut.segment(), rows, q, k, outRows, outScores);
        }
    }

    private void checkVectors(final MemorySegment vectors, final long offset, final int n)
    {
        if (n < 0 || offset < 0 || offset > vectors.byteSize() - 4L * dim * n)
        {
            throw new IllegalArgumentException(n + " vectors of " + dim + " floats need " + 4L * dim * n +
                " bytes from " + offset + "; there are " + vectors.byteSize());
        }
    }

    private void normalise(final MemorySegment from, final long offset, final MemorySegment to, final int n)
    {
        for (int v = 0; v < n; v++)
        {
            final long in = offset + 4L * dim * v;
            double sum = 0;
            for (int d = 0; d < dim; d++)
            {
                final double x = from.get(WIRE_FLOAT, in + 4L * d);
                sum += x * x;
            }
            final double scale = sum > 0 && Double.isFinite(sum) ? 1.0 / Math.sqrt(sum) : 0.0;
            final long out = (long)dim * v;
            for (int d = 0; d < dim; d++)
            {
                to.setAtIndex(JAVA_FLOAT, out + d, (float)(from.get(WIRE_FLOAT, in + 4L * d) * scale));
            }
        }
    }

    private HostBuffer fit(final HostBuffer buffer, final long bytes) throws CudaError
    {
        if (buffer != null && buffer.bytes() >= bytes)
        {
            return buffer;
        }
        final long want = Math.max(bytes, buffer == null ? 0 : 2 * buffer.bytes());
        close(buffer);
        return enzyme.pinned(want);
    }

    private DeviceBuffer fit(final DeviceBuffer buffer, final long bytes) throws CudaError
    {
        if (buffer != null && buffer.bytes() >= bytes)
        {
            return buffer;
        }
        final long want = Math.max(bytes, buffer == null ? 0 : 2 * buffer.bytes());
        close(buffer);
        return enzyme.alloc(want);
    }

    private static void close(final AutoCloseable c)
    {
        if (c != null)
        {
            try
            {
                c.close();
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        }
    }

    /**
     * Frees its memory and module (not the enzyme).
     */
    @Override
    public void close()
    {
        close(matrix);
        close(staging);
        close(queries);
        close(scores);
        close(scoresOut);
        stream.close();
        module.close();
    }
}
