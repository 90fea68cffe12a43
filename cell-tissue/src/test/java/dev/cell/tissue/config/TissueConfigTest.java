package dev.cell.tissue.config;

import dev.cell.runtime.IdleProfile;
import dev.cell.tissue.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class TissueConfigTest
{
    @TempDir
    Path dir;

    @Test
    void readsATissueWithReplicasAndLatency() throws IOException
    {
        cell("exchange", "[cell]\nname = \"exchange\"\nlatency = \"spin\"\n");
        cell("trader", "[cell]\nname = \"trader\"\n");
        write(dir.resolve("cell.toml"), """
            [tissue]
            name = "trading"

            [cells]
            exchange = { path = "exchange", replicas = 1 }
            trader = { path = "./trader", replicas = 3 }
            """);
        final TissueConfig config = TissueConfig.load(dir);
        assertEquals("trading", config.name());
        assertEquals(2, config.cells().size());
        final TissueConfig.CellSpec exchange = config.cells().get(0);
        assertEquals("exchange", exchange.name());
        assertEquals(IdleProfile.SPIN, exchange.latency());
        assertEquals(dir.resolve("exchange").toAbsolutePath().normalize(), exchange.dir());
        final TissueConfig.CellSpec trader = config.cells().get(1);
        assertEquals(3, trader.replicas());
        assertEquals("eco", trader.latencyName());
    }

    @Test
    void aCellFolderIsATissueOfOneCell() throws IOException
    {
        write(dir.resolve("cell.toml"), "[cell]\nname = \"hello\"\nlatency = \"eco\"\n");
        final TissueConfig config = TissueConfig.load(dir.resolve("cell.toml"));
        assertEquals("hello", config.name());
        assertEquals(1, config.cells().size());
        assertEquals(dir.toAbsolutePath().normalize(), config.cells().getFirst().dir());
    }

    @Test
    void aStatefulCellStartsItsStateReplicasUnlessTheTissueSaysOtherwise() throws IOException
    {
        write(dir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\nreplicas = 5\n");
        assertEquals(5, TissueConfig.load(dir).cells().getFirst().replicas());
        write(dir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\n");
        assertEquals(3, TissueConfig.load(dir).cells().getFirst().replicas(), "a [state] table means 3 by default");
        cell("kv", "[cell]\nname = \"kv\"\n[state]\nreplicas = 3\n");
        write(dir.resolve("cell.toml"), "[cells]\nkv = { path = \"kv\" }\n");
        assertEquals(3, TissueConfig.load(dir).cells().getFirst().replicas());
        write(dir.resolve("cell.toml"), "[cells]\nkv = { path = \"kv\", replicas = 1 }\n");
        assertEquals(1, TissueConfig.load(dir).cells().getFirst().replicas());
        write(dir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\nreplicas = 0\n");
        final UserError ex = assertThrows(UserError.class, () -> TissueConfig.load(dir));
        assertTrue(ex.getMessage().contains("state.replicas = 0"), ex.getMessage());
    }

    @Test
    void wrongPathNamesFileAndKey() throws IOException
    {
        write(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"exchang\" }\n");
        final String message = error();
        assertTrue(message.contains(dir.resolve("cell.toml") + ": cells.exchange.path = \"exchang\": no such folder"),
            message);
        assertTrue(message.contains("(line 2)"), message);
    }

    @Test
    void cellFolderWithoutCellTomlIsRefused() throws IOException
    {
        Files.createDirectories(dir.resolve("exchange"));
        write(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"exchange\" }\n");
        final String message = error();
        assertTrue(message.contains("cells.exchange.path = \"exchange\""), message);
        assertTrue(message.contains("has no cell.toml"), message);
    }

    @Test
    void duplicateCellNamesAreRefused() throws IOException
    {
        cell("a", "[cell]\nname = \"exchange\"\n");
        cell("b", "[cell]\nname = \"exchange\"\n");
        write(dir.resolve("cell.toml"), "[cells]\nfirst = { path = \"a\" }\nsecond = { path = \"b\" }\n");
        final String message = error();
        assertTrue(message.contains(dir.resolve("cell.toml") + ":3: duplicate cell name 'exchange'"), message);
        assertTrue(message.contains("listed at " + dir.resolve("cell.toml") + ":2"), message);
    }

    @Test
    void duplicateKeysAreATomlError() throws IOException
    {
        cell("exchange", "[cell]\nname = \"exchange\"\n");
        write(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"exchange\" }\nexchange = { path = " +
            "\"exchange\" }\n");
        final String message = error();
        assertTrue(message.contains("is not valid TOML"), message);
        assertTrue(message.contains("line 3"), message);
    }

    @Test
    void badLatencyNamesFileKeyAndChoices() throws IOException
    {
        final Path cellToml = cell("exchange", "[cell]\nname = \"exchange\"\nlatency = \"fast\"\n");
        write(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"exchange\" }\n");
        final String message = error();
        assertTrue(message.contains(cellToml + ": cell.latency = \"fast\" is not a latency profile"), message);
        assertTrue(message.contains("\"eco\"") && message.contains("\"spin\""), message);
    }

    @Test
    void badReplicasAreRefused() throws IOException
    {
        cell("exchange", "[cell]\nname = \"exchange\"\n");
        write(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"exchange\", replicas = 0 }\n");
        assertTrue(error().contains("cells.exchange.replicas = 0: must be a whole number from 1 to 64"), error());
        write(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"exchange\", replicas = \"two\" }\n");
        assertTrue(error().contains("cells.exchange.replicas = two"), error());
    }

    @Test
    void unknownKeysAreRefused() throws IOException
    {
        cell("exchange", "[cell]\nname = \"exchange\"\nlatncy = \"spin\"\n");
        write(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"exchange\" }\n");
        assertTrue(error().contains("unknown key 'cell.latncy'"), error());
        write(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"exchange\", replica = 2 }\n");
        assertTrue(error().contains("unknown key 'cells.exchange.replica'"), error());
    }

    @Test
    void badCellNameAndMissingTables() throws IOException
    {
        write(dir.resolve("cell.toml"), "[cell]\nname = \"Exchange\"\n");
        assertTrue(error().contains("cell.name = \"Exchange\" is not a cell name"), error());
        write(dir.resolve("cell.toml"), "[cell]\nlatency = \"eco\"\n");
        assertTrue(error().contains("cell.name is missing"), error());
        write(dir.resolve("cell.toml"), "title = \"x\"\n");
        assertTrue(error().contains("unknown key 'title'"), error());
        write(dir.resolve("cell.toml"), "");
        assertTrue(error().contains("has neither a [cell] table"), error());
        write(dir.resolve("cell.toml"), "[cells]\n");
        assertTrue(error().contains("[cells] is empty"), error());
    }

    @Test
    void missingCellTomlIsExplained() throws IOException
    {
        final Path empty = Files.createDirectories(dir.resolve("empty"));
        final UserError ex = assertThrows(UserError.class, () -> TissueConfig.load(empty));
        assertTrue(ex.getMessage().contains("no cell.toml in " + empty), ex.getMessage());
        assertTrue(ex.getMessage().contains("cell init"), ex.getMessage());
    }

    @Test
    void aConfigErrorCarriesTheFileAndLine() throws IOException
    {
        write(dir.resolve("cell.toml"), "[cell]\nname = \"exchange\"\nlatency = \"fast\"\n");
        final ConfigError ex = assertThrows(ConfigError.class, () -> TissueConfig.load(dir));
        assertEquals(dir.resolve("cell.toml"), ex.file());
        assertEquals(3, ex.line());
        assertTrue(ex.getMessage().contains("cell.latency = \"fast\" is not a latency profile"), ex.getMessage());
    }

    @Test
    void badDepsAreReportedWhenTheTissueIsRead() throws IOException
    {
        write(dir.resolve("cell.toml"), "[cell]\nname = \"trader\"\n\n[deps]\nexchange = { git = \"x\" }\n");
        final ConfigError ex = assertThrows(ConfigError.class, () -> TissueConfig.load(dir));
        assertEquals(5, ex.line());
        assertTrue(ex.getMessage().contains("has 'git' but no 'tag'"), ex.getMessage());
    }

    @Test
    void theStateTableIsHandedToTheInstanceAsItsGroupSize() throws IOException
    {
        write(dir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n# [state] in a comment is no table\n");
        assertEquals(0, TissueConfig.load(dir).cells().getFirst().stateReplicas());
        write(dir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\nreplicas = 5\n");
        final TissueConfig.CellSpec kv = TissueConfig.load(dir).cells().getFirst();
        assertEquals(5, kv.stateReplicas());
        assertEquals(5, kv.replicas());
        assertTrue(kv.declaresState());
    }

    private Path cell(final String folder, final String toml) throws IOException
    {
        final Path file = Files.createDirectories(dir.resolve(folder)).resolve("cell.toml");
        write(file, toml);
        return file;
    }

    private static void write(final Path file, final String text) throws IOException
    {
        Files.writeString(file, text);
    }

    private String error()
    {
        return assertThrows(UserError.class, () -> TissueConfig.load(dir)).getMessage();
    }
}
