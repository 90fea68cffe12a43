package dev.cell.cli;

import dev.cell.runtime.genome.Json;
import dev.cell.tissue.config.ConfigError;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.supervise.Supervisors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A cell scales its child from code ({@code context.tissue().scale("probe", 3)}) under a real detached supervisor:
 * the supervisor starts the new instances and shows them, and a scale past the tissue's {@code [resources]} budget is
 * refused with the message that the same {@code replicas} in {@code cell.toml} gets. Also through {@code cell scale}.
 */
@Timeout(240)
class ScaleFromCodeTest
{
    @TempDir
    Path tmp;

    private Path home;
    private CellHomeProperty cellHome;

    @BeforeEach
    void setUp() throws IOException
    {
        home = Files.createDirectories(tmp.resolve("home"));
        cellHome = CellHomeProperty.set(home);
    }

    @AfterEach
    void tearDown()
    {
        TissueProcesses.killAll(home);
        if (cellHome != null)
        {
            cellHome.close();
        }
    }

    @Test
    void aCellScalesItsChildFromCodeWithinTheTissuesBudget() throws Exception
    {
        // budget 2 cores at the top; scaler 0.5 + probe 0.5 per instance: 3 probes fit, 4 do not.
        final Path root = Files.createDirectories(tmp.resolve("scaled"));
        Files.writeString(root.resolve("cell.toml"), "[tissue]\nname = \"scaled\"\n\n[resources]\ncpu = " +
            "{ max = 2 }\n\n[cells]\nscaler = { path = \"scaler\" }\n");
        final Path scaler = ProbeBinding.cellFolder(Files.createDirectories(root.resolve("scaler")),
            ScalerBinding.class, "scaler", "\n[resources]\ncpu = 0.5\n\n[cells]\nprobe = { path = \"../probe\" }\n");
        ProbeBinding.cellFolder(Files.createDirectories(root.resolve("probe")), "\n[resources]\ncpu = 0.5\n");
        Files.writeString(scaler.resolve("scale-to"), "3\n");

        final Cli cli = Cli.run("mitosis", root.toString(), "--detach", "--no-build", "--ready-timeout", "60s");
        assertEquals(0, cli.code(), cli.toString());
        final String result = awaitFile(scaler.resolve("scale-result"), 120);
        final List<String> lines = result.lines().toList();
        assertEquals("ok: scaled probe from 1 to 3", lines.getFirst(), result);
        assertTrue(lines.get(1).startsWith("refused: cannot scale 'probe' to 4: "), result);

        assertEquals(3, new Instances(home).live("probe").size(), "three probes registered");
        assertEquals(3, readyInstances(root, "probe"), "the supervisor shows three ready probes");

        // The same count written in cell.toml is refused with the same words.
        Files.writeString(scaler.resolve("cell.toml"), Files.readString(scaler.resolve("cell.toml"))
            .replace("probe = { path = \"../probe\" }", "probe = { path = \"../probe\", replicas = 4 }"));
        final ConfigError fromToml = assertThrows(ConfigError.class, () -> TissueTree.load(root));
        assertEquals(fromToml.getMessage(), lines.get(1).substring("refused: cannot scale 'probe' to 4: ".length()),
            "a scale from code is checked as cell.toml is");
        assertTrue(fromToml.getMessage().contains(root.resolve("cell.toml") + ":"), fromToml.getMessage());
        assertTrue(fromToml.getMessage().contains("resources over-committed"), fromToml.getMessage());

        // The user can do the same with `cell scale`; down to 1 stops two.
        final Cli down = Cli.run("scale", "probe", "1");
        assertEquals(0, down.code(), down.toString());
        assertTrue(down.out().contains("ok: scaled probe from 3 to 1"), down.toString());
        assertEquals(1, readyInstances(root, "probe"));
        final Cli over = Cli.run("scale", "probe", "9");
        assertEquals(CellCommand.EXIT_USER_ERROR, over.code(), over.toString());
        assertTrue(over.err().contains("cannot scale 'probe' to 9"), over.toString());
        final Cli unknown = Cli.run("scale", "nothing", "2");
        assertEquals(CellCommand.EXIT_USER_ERROR, unknown.code(), unknown.toString());
    }

    private int readyInstances(final Path root, final String cell)
    {
        final Supervisors.Entry supervisor = Supervisors.forFolder(home, Supervisors.real(root));
        final Map<String, Object> status = Json.parseObject(supervisor.send("status"));
        for (final Object c : (List<?>)status.get("cells"))
        {
            final Map<?, ?> m = (Map<?, ?>)c;
            if (cell.equals(m.get("cell")))
            {
                return (int)((List<?>)m.get("instances")).stream()
                    .filter(i -> "ready".equals(((Map<?, ?>)i).get("state"))).count();
            }
        }
        return -1;
    }

    private static String awaitFile(final Path file, final int seconds) throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.exists(file))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("no " + file + " within " + seconds + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return Files.readString(file);
    }
}
