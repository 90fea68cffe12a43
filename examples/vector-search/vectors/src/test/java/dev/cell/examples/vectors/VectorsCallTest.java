package dev.cell.examples.vectors;

import dev.cell.enzyme.CudaError;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vectors cell served in this JVM and called through its generated client over a junction: its answers against
 * an independent scalar double-precision reference, within float tolerance. On a host without a GPU it runs on the
 * CPU fallback (and says so); on the GPU host's script (CELL_REQUIRE_GPU=1) it must run on the GPU.
 */
class VectorsCallTest
{
    private static final double TOLERANCE = 2e-5;

    private Path home;
    private CellServer server;
    private VectorsClient client;

    @BeforeEach
    void start() throws IOException
    {
        final Path tmp = Files.createDirectories(Path.of(System.getProperty("cell.test.tmp",
            System.getProperty("java.io.tmpdir"))));
        home = Files.createTempDirectory(tmp, "vectors-home-");
        server = CellServer.start(new VectorsBinding(), Files.createDirectories(home.resolve("vectors")),
            ServerOptions.defaults().withCellHome(home).withIdleProfile(IdleProfile.ECO));
        client = VectorsClient.connect(ClientOptions.defaults().withCellHome(home).withClientName("vectors-test"));
    }

    @AfterEach
    void stop()
    {
        if (client != null)
        {
            client.close();
        }
        if (server != null)
        {
            server.close();
        }
    }

    @Test
    void shouldAnswerTopKLikeADoublePrecisionReference() throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println("VectorsCallTest seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        final int dim = 64;
        final int rows = 3000;
        final float[][] matrix = random(random, rows, dim);
        for (int at = 0; at < rows; at += 400) // 400 x 256 bytes: under the junction's 128 KiB message limit
        {
            final Added added = client.add(new Embeddings(dim, wire(Arrays.copyOfRange(matrix, at,
                Math.min(rows, at + 400)))));
            assertEquals(at, added.first());
        }
        final IndexInfo info = client.info();
        assertEquals(rows, info.rows());
        assertEquals(dim, info.dim());
        System.out.println("vectors runs on " + info.device());
        if ("1".equals(System.getenv("CELL_REQUIRE_GPU")))
        {
            assertEquals("CUDA", info.backend(), info.device());
        }
        final int count = 11;
        final int k = 7;
        final float[][] queries = random(random, count, dim);
        queries[3] = matrix[1234].clone(); // a stored vector finds itself first
        final List<Match> matches = client.search(new Search(k, wire(queries))).matches();
        assertEquals(count * k, matches.size());
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
                final Match m = matches.get(q * k + i);
                assertEquals(q, m.query());
                assertEquals(i, m.rank());
                assertEquals(reference[m.row()], m.score(), TOLERANCE);
                assertEquals(sorted[rows - 1 - i], m.score(), TOLERANCE, "no better row missed");
            }
        }
        assertEquals(1234, matches.get(3 * k).row());
        assertEquals(1.0, matches.get(3 * k).score(), 1e-5);
    }

    @Test
    void shouldRefuseVectorsThatDoNotFitWithATypedError() throws CudaError, BadVectors
    {
        final BadVectors empty = assertThrows(BadVectors.class, () -> client.search(new Search(3, new byte[16])));
        assertTrue(empty.reason().contains("empty"), empty.reason());
        client.add(new Embeddings(4, new byte[32]));
        final BadVectors ragged = assertThrows(BadVectors.class, () -> client.add(new Embeddings(4, new byte[33])));
        assertTrue(ragged.reason().contains("whole number"), ragged.reason());
        final BadVectors otherDim = assertThrows(BadVectors.class, () -> client.add(new Embeddings(5, new byte[20])));
        assertTrue(otherDim.reason().contains("4 floats"), otherDim.reason());
        assertThrows(BadVectors.class, () -> client.search(new Search(0, new byte[16])));
        assertThrows(BadVectors.class, () -> client.search(new Search(Vectors.MAX_K + 1, new byte[16])));
        assertThrows(BadVectors.class, () -> client.add(new Embeddings(0, new byte[0])));
        // and the cell still answers
        assertEquals(2, client.info().rows());
    }

    static float[][] random(final SplittableRandom random, final int n, final int dim)
    {
        final float[][] v = new float[n][dim];
        for (final float[] row : v)
        {
            for (int d = 0; d < dim; d++)
            {
                row[d] = (float)random.nextGaussian();
            }
        }
        return v;
    }

    static byte[] wire(final float[][] vectors)
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
        return bytes.array();
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
