package dev.cell.git;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell gc} of spawned releases ({@link Mirrors#gc}): a release spawned longer ago than the age and not run
 * since is removed, a recent one is kept, a dry run only lists, and a folder that is not a complete spawn is left.
 */
class MirrorsGcTest
{
    private static final long DAY_MS = 86_400_000L;

    @TempDir
    Path home;

    @Test
    void removesOnlyReleasesUnusedForTheAge() throws IOException
    {
        final long now = System.currentTimeMillis();
        final Path old = spawned("quotes_old-0000aaaa", "v1", now - 40 * DAY_MS);
        final Path recent = spawned("quotes_new-0000bbbb", "v2", now - 2 * DAY_MS);
        final Path partial = Files.createDirectories(home.resolve("spawn/leftover-0000cccc/v3"));

        final List<String> listed = Mirrors.gc(home, Duration.ofDays(30), true);
        assertEquals(1, listed.size(), listed.toString());
        assertTrue(listed.getFirst().startsWith(old + " last used "), listed.toString());
        assertTrue(Files.isDirectory(old), "a dry run removes nothing");

        assertEquals(listed, Mirrors.gc(home, Duration.ofDays(30), false));
        assertFalse(Files.exists(old));
        assertTrue(Files.isDirectory(recent));
        assertTrue(Files.isDirectory(partial), "not a spawn: not touched");
        assertEquals(1, Mirrors.gc(home, Duration.ZERO, false).size(), "age 0 removes every unused release");
        assertFalse(Files.exists(recent));
    }

    private Path spawned(final String repo, final String tag, final long spawnedMs) throws IOException
    {
        final Path dir = Files.createDirectories(home.resolve("spawn").resolve(repo).resolve(tag));
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"quotes\"\n");
        Files.createDirectories(dir.resolve(".cell"));
        Files.writeString(dir.resolve(".cell").resolve(Ribosome.SPAWN_RECORD), "{\"url\":\"http://h/acme/" + repo +
            "\",\"tag\":\"" + tag + "\",\"spawnedEpochMs\":" + spawnedMs + "}\n");
        return dir;
    }
}
