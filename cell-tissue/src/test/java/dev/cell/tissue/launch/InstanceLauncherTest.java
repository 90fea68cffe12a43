package dev.cell.tissue.launch;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.JvmFlags;
import dev.cell.tissue.build.MavenBuild;
import dev.cell.tissue.config.TissueConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstanceLauncherTest
{
    @TempDir
    Path dir;

    @Test
    void instanceCommandLineCarriesTheJvmFlagsAndCellMain() throws IOException
    {
        final TissueConfig.CellSpec cell = builtCell(new TissueConfig.CellSpec("exchange", dir,
            dir.resolve("cell.toml"), 1, IdleProfile.SPIN));
        final List<String> command = InstanceLauncher.command(cell);
        assertTrue(command.getFirst().endsWith("/bin/java"), command.toString());
        assertTrue(command.containsAll(JvmFlags.FLAGS), command.toString());
        final int cp = command.indexOf("-cp");
        assertEquals(dir.resolve("target/classes") + ":/x/a.jar:/x/b.jar", command.get(cp + 1));
        assertEquals(List.of(InstanceLauncher.MAIN_CLASS, "--cell-dir", dir.toString(), "--cell", "exchange",
            "--latency", "spin"), command.subList(cp + 2, command.size()));
    }

    @Test
    void aStatefulCellsGroupSizeIsHandedToTheInstance() throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n\n[state]\nreplicas = 5\n");
        final TissueConfig.CellSpec kv = builtCell(TissueConfig.loadCell(dir));
        final List<String> command = InstanceLauncher.command(kv);
        assertEquals(List.of("--state-replicas", "5"), command.subList(command.size() - 2, command.size()),
            command.toString());
    }

    @Test
    void theBuilderKeepsItsOrderWhateverTheCallsOrder()
    {
        final List<String> cmd = JvmCommand.java(Path.of("/opt/jdk")).main("a.Main", "x").property("k", 1)
            .option("-Xmx64m").classPath(List.of("/a.jar", "/b.jar")).args(List.of("y")).toList();
        final int flags = JvmFlags.FLAGS.size();
        assertEquals("/opt/jdk/bin/java", cmd.getFirst());
        assertEquals(JvmFlags.FLAGS, cmd.subList(1, 1 + flags));
        assertEquals(List.of("-Dk=1", "-Xmx64m", "-cp", "/a.jar:/b.jar", "a.Main", "x", "y"),
            cmd.subList(1 + flags, cmd.size()));
        assertThrows(IllegalStateException.class, () -> JvmCommand.java().toList(), "no main class");
    }

    private TissueConfig.CellSpec builtCell(final TissueConfig.CellSpec cell) throws IOException
    {
        Files.createDirectories(dir.resolve("target/classes"));
        Files.writeString(dir.resolve(MavenBuild.CLASSPATH_FILE), "/x/a.jar:/x/b.jar");
        return cell;
    }
}
