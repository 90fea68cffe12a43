package dev.cell.tissue.build;

import dev.cell.runtime.IdleProfile;
import dev.cell.tissue.config.TissueConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ArtifactStoreTest
{
    @TempDir
    Path dir;

    @Test
    void storesByContentAndRunsFromTheStoredJarUntilTheBuildChangesIt() throws IOException
    {
        final ArtifactStore store = new ArtifactStore(dir.resolve("home"));
        final TissueConfig.CellSpec a = cell("a", "same bytes");
        final TissueConfig.CellSpec b = cell("b", "same bytes");
        final String hashA = store.store(a);
        final String hashB = store.store(b);
        assertEquals(hashA, hashB, "the same jar is stored once");
        try (var entries = Files.list(store.dir()))
        {
            assertEquals(1, entries.count());
        }
        final Path artifact = store.current(a);
        assertNotNull(artifact);
        assertEquals(artifact.resolve("cell.jar").toString(), MavenBuild.classpath(a).getFirst());
        assertEquals("/lib/dep.jar", MavenBuild.classpath(a).get(1));

        Files.writeString(a.dir().resolve("target/a.jar"), "rebuilt outside cell mitosis, longer");
        assertNull(store.current(a), "a jar changed since it was stored is not run from the store");
    }

    @Test
    void gcRemovesArtifactsNotRunForTheGivenDays() throws IOException
    {
        final ArtifactStore store = new ArtifactStore(dir.resolve("home"));
        final TissueConfig.CellSpec old = cell("old", "old bytes");
        final TissueConfig.CellSpec fresh = cell("fresh", "fresh bytes");
        final String oldHash = store.store(old);
        final String freshHash = store.store(fresh);
        final Path meta = store.dir().resolve(oldHash).resolve("artifact.json");
        Files.writeString(meta, Files.readString(meta).replaceAll("\"lastRunEpochMs\":\\d+",
            "\"lastRunEpochMs\":" + Instant.now().minus(Duration.ofDays(40)).toEpochMilli()));

        final List<String> dry = store.gc(Duration.ofDays(30), true);
        assertEquals(1, dry.size(), dry.toString());
        assertTrue(Files.isDirectory(store.dir().resolve(oldHash)), "a dry run removes nothing");

        final List<String> removed = store.gc(Duration.ofDays(30), false);
        assertEquals(dry, removed, "the real run removes what the dry run listed");
        assertFalse(Files.exists(store.dir().resolve(oldHash)));
        assertTrue(Files.isDirectory(store.dir().resolve(freshHash)), "run recently: kept");
    }

    private TissueConfig.CellSpec cell(final String name, final String jarBytes) throws IOException
    {
        final Path cellDir = dir.resolve(name);
        Files.createDirectories(cellDir.resolve("target"));
        Files.writeString(cellDir.resolve("target/" + name + ".jar"), jarBytes);
        Files.writeString(cellDir.resolve(MavenBuild.CLASSPATH_FILE), "/lib/dep.jar");
        return new TissueConfig.CellSpec(name, cellDir, cellDir.resolve("cell.toml"), 1, IdleProfile.ECO);
    }
}
