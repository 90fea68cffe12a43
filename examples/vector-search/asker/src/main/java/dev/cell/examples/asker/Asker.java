package dev.cell.examples.asker;

import dev.cell.examples.vectors.Embeddings;
import dev.cell.examples.vectors.Match;
import dev.cell.examples.vectors.Search;
import dev.cell.examples.vectors.VectorsClient;
import dev.cell.runtime.Cell;
import dev.cell.runtime.CellContext;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.log.CellLog;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Asks the vectors cell: adds a seeded set of embeddings, then sends batches of queries, one of each batch a stored
 * vector that must come back first, and measures each batch's round trip. Ask it how it went with
 * {@code ./cell call asker report '{}'}.
 */
@Cell("asker")
public final class Asker implements CellLifecycle
{
    private static final int DIM = Integer.getInteger("asker.dim", 64);
    private static final int ROWS = Integer.getInteger("asker.rows", 20_000);
    private static final int BATCHES = Integer.getInteger("asker.batches", 2_000);
    private static final int BATCH = 8;
    private static final int K = 10;

    private volatile AskerReport report = new AskerReport(0, 0, 0, 0, 0, "", false);
    private volatile boolean running = true;
    private Thread loop;

    @Override
    public void onStart(final CellContext context)
    {
        loop = Thread.ofPlatform().name("asker-loop").daemon(true).start(() -> ask(context.log()));
    }

    @Override
    public void onStop()
    {
        running = false;
        if (loop != null)
        {
            loop.interrupt();
        }
    }

    /**
     * @return the run so far.
     */
    public AskerReport report()
    {
        return report;
    }

    private void ask(final CellLog log)
    {
        try (VectorsClient vectors = VectorsClient.connect(ClientOptions.defaults().withClientName("asker")))
        {
            final SplittableRandom random = new SplittableRandom(7);
            final int perMessage = Math.max(1, 100_000 / (4 * DIM)); // under the junction's 128 KiB message limit
            final float[][] stored = new float[ROWS][];
            for (int at = 0; at < ROWS && running; at += perMessage)
            {
                final int n = Math.min(perMessage, ROWS - at);
                final float[][] chunk = new float[n][];
                for (int i = 0; i < n; i++)
                {
                    stored[at + i] = chunk[i] = vector(random);
                }
                vectors.add(new Embeddings(DIM, wire(chunk)));
            }
            final String device = vectors.info().device();
            log.info("asker.loaded", "rows", ROWS, "device", device);
            final Histogram histogram = new Histogram(60_000_000_000L, 3);
            int selfFound = 0;
            for (int b = 0; b < BATCHES && running; b++)
            {
                final float[][] queries = new float[BATCH][];
                for (int i = 0; i < BATCH; i++)
                {
                    queries[i] = vector(random);
                }
                final int planted = random.nextInt(ROWS);
                queries[0] = stored[planted];
                final long start = System.nanoTime();
                final List<Match> matches = vectors.search(new Search(K, wire(queries))).matches();
                histogram.recordValue(System.nanoTime() - start);
                if (!matches.isEmpty() && matches.get(0).row() == planted)
                {
                    selfFound++;
                }
                report = new AskerReport(ROWS, b + 1, selfFound, histogram.getValueAtPercentile(50) / 1000,
                    histogram.getValueAtPercentile(99) / 1000, device, false);
            }
            report = new AskerReport(ROWS, report.batches(), selfFound, report.p50Us(), report.p99Us(), device, true);
            log.info("asker.done", "batches", report.batches(), "selfFound", selfFound, "p50Us", report.p50Us(),
                "p99Us", report.p99Us());
        }
        catch (final Exception ex)
        {
            if (running)
            {
                log.error("asker.failed", "error", String.valueOf(ex));
            }
        }
    }

    private static float[] vector(final SplittableRandom random)
    {
        final float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++)
        {
            v[d] = (float)random.nextGaussian();
        }
        return v;
    }

    private static byte[] wire(final float[][] vectors)
    {
        final ByteBuffer bytes = ByteBuffer.allocate(4 * vectors.length * DIM).order(ByteOrder.LITTLE_ENDIAN);
        for (final float[] v : vectors)
        {
            for (final float x : v)
            {
                bytes.putFloat(x);
            }
        }
        return bytes.array();
    }
}
