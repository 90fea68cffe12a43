package dev.cell.tissue.launch;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.JvmFlags;
import dev.cell.runtime.identity.Identity;
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
    void remoteSettingsAreHandedToTheInstance(@TempDir final Path keys) throws IOException
    {
        final String alice = Identity.loadOrCreate(keys.resolve("alice.key")).publicId();
        final String bob = Identity.loadOrCreate(keys.resolve("bob.key")).publicId();
        Files.writeString(dir.resolve("desk.pub"), bob + "\n" + alice + "\n");
        Files.writeString(dir.resolve("cell.toml"), """
            [cell]
            name = "trader"

            [axon]
            listen = "0.0.0.0:7400"
            plaintext = true

            [auth]
            allowed_keys = ["%s", "desk.pub"]

            [deps]
            exchange = { path = "../exchange", endpoint = "10.1.0.2:7400", key = "%s" }
            clock = { path = "../clock", endpoint = "[::1]:7401" }
            store = { path = "../store" }
            """.formatted(alice, bob));
        final List<String> command = InstanceLauncher.command(builtCell(TissueConfig.loadCell(dir)));
        final int main = command.indexOf(InstanceLauncher.MAIN_CLASS);
        assertEquals(List.of("--cell-dir", dir.toString(), "--cell", "trader", "--latency", "eco",
            "--axon", "0.0.0.0:7400", "--axon-plaintext", "--allowed-keys", alice + "," + bob),
            command.subList(main + 1, command.size()));
        final List<String> jvmOptions = command.subList(1, command.indexOf("-cp"));
        assertEquals(List.of("-Dcell.endpoint.clock=[::1]:7401", "-Dcell.endpoint.exchange=10.1.0.2:7400",
            "-Dcell.endpoint.exchange.key=" + bob),
            jvmOptions.stream().filter(o -> o.startsWith("-Dcell.endpoint.")).toList(),
            "one property per dep with an endpoint, a key property only where a key is given");
    }

    @Test
    void racingDepsAreHandedToTheInstanceWithTheirHedging() throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), """
            [cell]
            name = "trader"

            [deps]
            prices = { path = "../prices", race = true, hedge = "p95" }
            quotes = { path = "../quotes", race = true, hedge = 3 }
            clock = { path = "../clock", race = true }
            store = { path = "../store", race = false }
            """);
        final List<String> command = InstanceLauncher.command(builtCell(TissueConfig.loadCell(dir)));
        final List<String> jvmOptions = command.subList(1, command.indexOf("-cp"));
        assertEquals(List.of("-Dcell.race.clock=true", "-Dcell.race.prices=true", "-Dcell.race.prices.hedge=p95",
            "-Dcell.race.quotes=true", "-Dcell.race.quotes.hedge=3"),
            jvmOptions.stream().filter(o -> o.startsWith("-Dcell.race.")).toList());
        assertTrue(jvmOptions.stream().noneMatch(o -> o.startsWith("-Dcell.endpoint.")), jvmOptions.toString());
    }

    @Test
    void aListenerAloneGetsOnlyItsAddress() throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"exchange\"\n[axon]\nlisten = \"[::1]:0\"\n");
        final List<String> command = InstanceLauncher.command(builtCell(TissueConfig.loadCell(dir)));
        assertEquals(List.of("--latency", "eco", "--axon", "[::1]:0"), command.subList(command.size() - 4,
            command.size()));
        assertTrue(command.stream().noneMatch(a -> a.startsWith("-Dcell.endpoint.") ||
            a.equals("--axon-plaintext") || a.equals("--allowed-keys")), command.toString());
    }

    @Test
    void observeSettingsAreHandedToTheInstance() throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"orders\"\n[observe]\ntrace = \"all\"\n" +
            "sample = 0.25\notlp = \"http://127.0.0.1:4318\"\n");
        final List<String> command = InstanceLauncher.command(builtCell(TissueConfig.loadCell(dir)));
        assertEquals(List.of("--latency", "eco", "--trace", "all", "--trace-sample", "0.25", "--otlp",
            "http://127.0.0.1:4318"), command.subList(command.size() - 8, command.size()));
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
