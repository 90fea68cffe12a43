package dev.cell.compiler;

import dev.cell.compiler.deps.GenomeResolver;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.CellLock;
import org.junit.jupiter.api.Test;

import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A consumer's build on one host resolves a producer that runs only on another: nothing runs under its own cell home
 * and its {@code cell.toml} names no source, but its registry view lists the producer's instance, whose genome it
 * fetches over the axon; {@code Cell.lock} records that instance, its host and when. The two hosts are two cell
 * homes here, with the view written as the host agent writes it.
 */
class RegistryResolutionTest
{
    private static final String PRODUCER = """
        package notes;

        import dev.cell.runtime.Cell;

        @Cell(value = "notes", version = "1.2.0")
        public final class Notes
        {
            public String read(final String key)
            {
                return "note of " + key;
            }
        }
        """;

    @Test
    void aProducerOnlyAnotherHostRunsIsResolvedThroughTheRegistryViewAndRecordedInTheLock() throws Exception
    {
        final Path base = Files.createDirectories(Path.of(System.getProperty("cell.test.tmp", "target/cell-test"))
            .toAbsolutePath());
        final Path hostB = Files.createTempDirectory(base, "registry-resolution-b-");
        final Path hostA = Files.createTempDirectory(base, "registry-resolution-a-");
        final Path consumer = Files.createTempDirectory(base, "registry-resolution-consumer-");
        Files.writeString(consumer.resolve("cell.toml"), "[cell]\nname = \"reader\"\n");
        final GenomeResolver resolver = new GenomeResolver(consumer, CellDeps.read(consumer), hostA,
            Duration.ofSeconds(5));
        final IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
            () -> resolver.resolve("notes", false));
        assertTrue(none.getMessage().contains("none on another host in this host's registry view"), none.getMessage());

        final String saved = System.getProperty("cell.home");
        System.setProperty("cell.home", Files.createTempDirectory(base, "registry-resolution-resolver-").toString());
        final URLClassLoader producer;
        try
        {
            producer = Compilation.compile("registry-resolution-producer", Map.of("notes/Notes.java", PRODUCER))
                .assertSuccess().loader();
        }
        finally
        {
            if (saved == null)
            {
                System.clearProperty("cell.home");
            }
            else
            {
                System.setProperty("cell.home", saved);
            }
        }
        final CellBinding<?> binding = (CellBinding<?>)producer.loadClass("notes.NotesBinding").getConstructor()
            .newInstance();
        try (CellServer server = serve(binding, hostB))
        {
            final InstanceRecord onB = InstanceRegistry.live(hostB, "notes").getFirst();
            final String key = dev.cell.runtime.identity.Identity.loadOrCreate(AxonOptions.identityFileOf(
                onB.cellDir())).publicId();
            Files.createDirectories(RegistryView.dir(hostA));
            Files.writeString(RegistryView.dir(hostA).resolve("notes"), RegistryView.line(server.instanceId(),
                onB.axon(), key, binding.genome().fingerprint(), "host-b", "", RegistryView.Load.NONE, "1.2.0"));

            final GenomeResolver.Resolved r = resolver.resolve("notes", false);
            assertEquals(GenomeResolver.From.REGISTRY, r.from());
            assertEquals(binding.genome().fingerprint(), r.genome().fingerprint());
            assertEquals("running instance " + server.instanceId() + " on host host-b (registry)", r.source());
            assertEquals(List.of(server.instanceId() + "@host-b"), r.instances());

            CellLock.read(consumer).pin("notes", r.genome(), r.source(), r.instances());
            final CellLock.Entry pinned = CellLock.read(consumer).entries().get("notes");
            assertEquals(List.of(server.instanceId() + "@host-b"), pinned.validated());
            assertTrue(pinned.validatedAt().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), pinned.toString());
            assertTrue(Files.readString(consumer.resolve(CellLock.FILE)).contains("validated = [\"" +
                server.instanceId() + "@host-b\"]"));
        }
        final GenomeResolver.Resolved offline = resolver.resolve("notes", true);
        assertEquals(GenomeResolver.From.LOCK, offline.from(), "with the producer gone the lock still answers");
        assertEquals(binding.genome().fingerprint(), offline.genome().fingerprint());
    }

    private static CellServer serve(final CellBinding<?> binding, final Path home) throws Exception
    {
        final Path cellDir = Files.createTempDirectory(home, "notes-");
        return serve(binding, home, cellDir);
    }

    private static <T> CellServer serve(final CellBinding<T> binding, final Path home, final Path cellDir)
    {
        return CellServer.start("notes", binding.genome(), binding.dispatcher(binding.newCell()), null, cellDir,
            ServerOptions.defaults().withCellHome(home).withLog((level, event, high, low, span, fields) -> { })
                .withInstanceId("notes-b-" + ProcessHandle.current().pid())
                .withAxon(new AxonOptions("127.0.0.1:0", false, Set.of(), null)));
    }
}
