package dev.cell.compiler;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.ServerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real instance on a real junction whose dispatcher lies in its replies (the first var-length of each reply says
 * 2 GiB): the producer's generated client and a {@code @CellRemote} client built from the producer's genome refuse
 * each reply before SBE's decoders read it ({@code Rejected} naming the handler and the field), allocate nothing near
 * 2 GiB, keep the connection, and an honest instance of the cell stays callable from the same JVM.
 */
final class HostileReplyTest
{
    private static final int LIE = 0x7FFFFFFF;
    private static final long TIMEOUT_MS = 5_000;

    private static final String PRODUCER = """
        package notes;

        import dev.cell.runtime.Cell;
        import dev.cell.runtime.CellError;

        @Cell(value = "notes", version = "1.0.0")
        public final class Notes
        {
            public static final class Missing extends CellError
            {
                private static final long serialVersionUID = 1L;
                private final String key;
                public Missing(final String key) { super("missing " + key); this.key = key; }
                public String key() { return key; }
            }

            public String read(final String key) throws Missing
            {
                if (key.startsWith("missing"))
                {
                    throw new Missing(key);
                }
                return "note of " + key;
            }
        }
        """;

    private static final AtomicBoolean LYING = new AtomicBoolean(true);
    private static URLClassLoader producer;
    private static URLClassLoader consumer;
    private static Path hostileHome;
    private static Path honestHome;
    private static CellServer hostile;
    private static CellServer honest;

    @BeforeAll
    static void compileAndServe() throws Exception
    {
        final String savedHome = System.getProperty("cell.home");
        final Path base = Files.createDirectories(Path.of(System.getProperty("cell.test.tmp", "target/cell-test"))
            .toAbsolutePath());
        // The @CellRemote resolver would ask running instances under the cell home first: give it an empty one.
        System.setProperty("cell.home", Files.createTempDirectory(base, "hostile-reply-resolver-").toString());
        try
        {
            producer = Compilation.compile("hostile-reply-producer", Map.of("notes/Notes.java", PRODUCER))
                .assertSuccess().loader();
            final Path source = Files.createTempDirectory(base, "hostile-reply-source-");
            Files.createDirectories(source.resolve("src/main/java/notes"));
            Files.writeString(source.resolve("src/main/java/notes/Notes.java"), PRODUCER);
            final Map<String, String> sources = new LinkedHashMap<>();
            sources.put("cell.toml", """
                [cell]
                name = "reader"
                [deps]
                notes = { path = "%s" }
                """.formatted(source));
            sources.put("reader/NotesApi.java", """
                package reader;

                @dev.cell.runtime.CellRemote("notes")
                public interface NotesApi
                {
                    String read(String key) throws reader.notes.Missing;
                }
                """);
            consumer = Compilation.compile("hostile-reply-consumer", sources).assertSuccess().loader();
        }
        finally
        {
            if (savedHome == null)
            {
                System.clearProperty("cell.home");
            }
            else
            {
                System.setProperty("cell.home", savedHome);
            }
        }
        final CellBinding<?> binding = (CellBinding<?>)producer.loadClass("notes.NotesBinding")
            .getConstructor().newInstance();
        final Dispatcher real = dispatcher(binding);
        final Dispatcher liar = (buffer, offset, length, out, outOffset) ->
        {
            final int result = real.dispatch(buffer, offset, length, out, outOffset);
            if (LYING.get())
            {
                // Result and error alike: no fixed fields, so the first var-length follows the header.
                final int block = out.getShort(outOffset, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
                out.putInt(outOffset + 8 + block, LIE, ByteOrder.LITTLE_ENDIAN);
            }
            return result;
        };
        hostileHome = Files.createTempDirectory(base, "hostile-reply-home-");
        honestHome = Files.createTempDirectory(base, "honest-reply-home-");
        hostile = serve(binding.genome(), liar, hostileHome, "hostile");
        honest = serve(binding.genome(), dispatcher(binding), honestHome, "honest");
    }

    private static <T> Dispatcher dispatcher(final CellBinding<T> binding)
    {
        return binding.dispatcher(binding.newCell());
    }

    private static CellServer serve(final Genome genome, final Dispatcher dispatcher, final Path home,
        final String name) throws IOException
    {
        return CellServer.start("notes", genome, dispatcher, null, Files.createTempDirectory(home, "cell-"),
            ServerOptions.defaults().withCellHome(home).withLog((level, event, high, low, span, fields) -> { })
                .withInstanceId("notes-" + name + "-" + ProcessHandle.current().pid()));
    }

    @AfterAll
    static void stop() throws IOException
    {
        hostile.close();
        honest.close();
        producer.close();
        consumer.close();
    }

    @Test
    void producersClientRefusesLyingRepliesBeforeDecoding() throws Exception
    {
        refusesLyingReplies(producer.loadClass("notes.NotesClient"), "Missing");
    }

    @Test
    void remoteClientChecksAgainstTheGenomeItWasBuiltFrom() throws Exception
    {
        final Class<?> client = consumer.loadClass("reader.notes.NotesClient");
        assertEquals("reader/notes/NotesClient.genome.json", client.getField("GENOME_RESOURCE").get(null));
        refusesLyingReplies(client, "Missing");
    }

    private static void refusesLyingReplies(final Class<?> clientClass, final String error) throws Exception
    {
        final Method connect = clientClass.getMethod("connect", ClientOptions.class);
        final Method read = clientClass.getMethod("read", String.class);
        final Method readAsync = clientClass.getMethod("readAsync", String.class);
        try (AutoCloseable client = (AutoCloseable)connect.invoke(null, options(hostileHome)))
        {
            LYING.set(true);
            final CellException.Rejected result = refused(() -> read.invoke(client, "k"));
            assertContains(result, "reply refused before decoding: result of handler 'read' field 'value': length " +
                "2147483647 exceeds the");
            final CellException.Rejected declared = refused(() -> read.invoke(client, "missing-k"));
            assertContains(declared, "reply refused before decoding: error '" + error + "' field 'key': length " +
                "2147483647 exceeds the", "(the reply to handler 'read')");
            final CompletableFuture<?> future = (CompletableFuture<?>)readAsync.invoke(client, "k");
            final ExecutionException async = assertThrows(ExecutionException.class,
                () -> future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            assertContains(assertInstanceOf(CellException.Rejected.class, async.getCause()),
                "result of handler 'read' field 'value'");
            // Only those calls failed: the junction is sound, the same client goes on once the instance tells the
            // truth.
            LYING.set(false);
            assertEquals("note of k", read.invoke(client, "k"));
            LYING.set(true);
        }
        try (AutoCloseable client = (AutoCloseable)connect.invoke(null, options(honestHome)))
        {
            assertEquals("note of again", read.invoke(client, "again"));
        }
    }

    /**
     * A reflective call of a generated client's method, expected to fail with {@code Rejected} before the timeout
     * and without allocating anything near what the reply claims.
     */
    private static CellException.Rejected refused(final ReflectiveCall call)
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long before = threads.getCurrentThreadAllocatedBytes();
        final long startNs = System.nanoTime();
        final InvocationTargetException ex = assertThrows(InvocationTargetException.class, call::run);
        final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        final CellException.Rejected rejected = assertInstanceOf(CellException.Rejected.class, ex.getCause());
        System.out.println("refused in " + tookMs + " ms, " + allocated + " bytes allocated: " +
            rejected.getMessage());
        assertTrue(tookMs < TIMEOUT_MS, "took " + tookMs + " ms");
        assertTrue(allocated < 16L << 20, "allocated " + allocated + " bytes");
        assertEquals("notes", rejected.cell());
        return rejected;
    }

    private static void assertContains(final CellException ex, final String... parts)
    {
        for (final String part : parts)
        {
            assertTrue(ex.getMessage().contains(part), () -> "'" + part + "' missing from: " + ex.getMessage());
        }
    }

    private static ClientOptions options(final Path home)
    {
        return ClientOptions.defaults().withCellHome(home).withConnectTimeout(Duration.ofMillis(TIMEOUT_MS))
            .withCallTimeout(Duration.ofMillis(TIMEOUT_MS)).withClientName("hostile-reply-test");
    }

    /**
     * A reflective call.
     */
    @FunctionalInterface
    private interface ReflectiveCall
    {
        void run() throws Exception;
    }
}
