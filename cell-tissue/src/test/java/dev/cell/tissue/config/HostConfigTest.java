package dev.cell.tissue.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code $CELL_HOME/host.toml}'s {@code [registry] seeds} and {@code CELL_SEEDS}: read in that order without
 * repeats; none without either; a seed that is not host:port, or an unknown key, is refused with its line.
 */
class HostConfigTest
{
    @TempDir
    Path home;

    @Test
    void seedsComeFromTheFileThenTheEnvironment() throws Exception
    {
        assertEquals(List.of(), HostConfig.read(home, Map.of()).seeds());
        Files.writeString(home.resolve(HostConfig.FILE_NAME), """
            [registry]
            seeds = ["10.0.0.5:7471", "10.0.0.6:7471"]
            """);
        assertEquals(List.of("10.0.0.5:7471", "10.0.0.6:7471", "10.0.0.7:7471"), HostConfig.read(home,
            Map.of("CELL_SEEDS", "10.0.0.6:7471, 10.0.0.7:7471")).seeds());
    }

    @Test
    void badSeedsAreRefusedWithTheirLine() throws Exception
    {
        Files.writeString(home.resolve(HostConfig.FILE_NAME), "\n[registry]\nseeds = [\"10.0.0.5\"]\n");
        final ConfigError e = assertThrows(ConfigError.class, () -> HostConfig.read(home, Map.of()));
        assertTrue(e.getMessage().contains("registry.seeds[0]") && e.getMessage().contains("line 3"), e.getMessage());
        Files.writeString(home.resolve(HostConfig.FILE_NAME), "[registry]\nseed = [\"10.0.0.5:1\"]\n");
        final ConfigError unknown = assertThrows(ConfigError.class, () -> HostConfig.read(home, Map.of()));
        assertTrue(unknown.getMessage().contains("unknown key 'registry.seed'"), unknown.getMessage());
        Files.delete(home.resolve(HostConfig.FILE_NAME));
        final ConfigError env = assertThrows(ConfigError.class, () -> HostConfig.read(home,
            Map.of("CELL_SEEDS", "10.0.0.5:7471,nonsense")));
        assertTrue(env.getMessage().contains("CELL_SEEDS: 'nonsense'"), env.getMessage());
    }
}
