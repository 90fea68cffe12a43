package dev.cell.examples.vectors;

import dev.cell.enzyme.CudaError;
import dev.cell.enzyme.Enzyme;
import dev.cell.enzyme.EnzymeOptions;
import dev.cell.enzyme.kernels.CosineIndex;
import dev.cell.enzyme.kernels.VectorKernels;
import dev.cell.runtime.Cell;
import dev.cell.runtime.CellContext;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.Idempotent;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An enzyme cell: a matrix of float32 embeddings in GPU memory answering batched top-k cosine-similarity queries,
 * or, on a host without a GPU, the same kernels on the CPU (its start log and {@code info} say which).
 * <p>
 * Handlers run on the instance's single duty-cycle thread, so the index needs no locks.
 */
@Cell("vectors")
public final class Vectors implements CellLifecycle
{
    /**
     * Most results per query.
     */
    public static final int MAX_K = 1000;
    /**
     * Most queries per batch.
     */
    public static final int MAX_BATCH = 1024;

    private Enzyme enzyme;
    private CosineIndex index;
    private int[] rows = new int[0];
    private float[] scores = new float[0];

    @Override
    public void onStart(final CellContext context)
    {
        try
        {
            enzyme = Enzyme.open(EnzymeOptions.fromEnvironment(System.getenv()));
        }
        catch (final CudaError ex)
        {
            throw new IllegalStateException("no enzyme: " + ex.getMessage(), ex);
        }
        context.log().info("enzyme.backend", "backend", enzyme.device().backend().name(), "device",
            enzyme.device().describe());
    }

    /**
     * Starts on a given enzyme (tests).
     *
     * @param enzyme where the kernels run.
     */
    void start(final Enzyme enzyme)
    {
        this.enzyme = enzyme;
    }

    @Override
    public void onStop()
    {
        if (index != null)
        {
            index.close();
        }
        if (enzyme != null)
        {
            enzyme.close();
        }
    }

    /**
     * Adds vectors; each is normalised to unit length as it is copied into pinned memory.
     *
     * @param embeddings the vectors.
     * @return where they went and how many the index holds.
     * @throws BadVectors when they do not fit the index.
     * @throws CudaError  when the device cannot take them.
     */
    public Added add(final Embeddings embeddings) throws BadVectors, CudaError
    {
        final int dim = embeddings.dim();
        if (dim < 1 || dim > VectorKernels.MAX_DIM)
        {
            throw new BadVectors("dim is 1.." + VectorKernels.MAX_DIM + ", not " + dim);
        }
        if (index != null && index.dim() != dim)
        {
            throw new BadVectors("the index holds vectors of " + index.dim() + " floats, not " + dim);
        }
        final int n = count(embeddings.values(), dim);
        if (index == null)
        {
            index = new CosineIndex(enzyme, dim, Math.max(1024, n));
        }
        final int first = index.rows();
        index.add(MemorySegment.ofArray(embeddings.values()), 0, n);
        return new Added(first, index.rows());
    }

    /**
     * Scores each query against every vector and returns the k best of each.
     *
     * @param search the queries.
     * @return per query its k best, best first.
     * @throws BadVectors when the queries do not fit the index.
     * @throws CudaError  when the device fails.
     */
    @Idempotent
    public Matches search(final Search search) throws BadVectors, CudaError
    {
        if (index == null)
        {
            throw new BadVectors("the index is empty: add vectors first");
        }
        final int k = search.k();
        if (k < 1 || k > MAX_K)
        {
            throw new BadVectors("k is 1.." + MAX_K + ", not " + k);
        }
        final int count = count(search.queries(), index.dim());
        if (count < 1 || count > MAX_BATCH)
        {
            throw new BadVectors("a batch holds 1.." + MAX_BATCH + " queries, not " + count);
        }
        if (rows.length < count * k)
        {
            rows = new int[count * k];
            scores = new float[count * k];
        }
        index.search(MemorySegment.ofArray(search.queries()), 0, count, k, rows, scores);
        final List<Match> matches = new ArrayList<>(count * Math.min(k, index.rows()));
        for (int q = 0; q < count; q++)
        {
            for (int i = 0; i < k && rows[q * k + i] >= 0; i++)
            {
                matches.add(new Match(q, i, rows[q * k + i], scores[q * k + i]));
            }
        }
        return new Matches(matches);
    }

    /**
     * @return what the index holds and where it runs.
     * @throws CudaError when the driver cannot say how much memory is used.
     */
    @Idempotent
    public IndexInfo info() throws CudaError
    {
        return new IndexInfo(index == null ? 0 : index.rows(), index == null ? 0 : index.dim(),
            enzyme.device().backend().name(), enzyme.device().describe(), enzyme.memory().pooledInUse());
    }

    private static int count(final byte[] values, final int dim) throws BadVectors
    {
        final long vector = 4L * dim;
        if (values.length % vector != 0)
        {
            throw new BadVectors(values.length + " bytes are not a whole number of " + dim + "-float vectors");
        }
        return (int)(values.length / vector);
    }
}
