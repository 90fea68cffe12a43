package dev.cell.tissue.config;

import dev.cell.runtime.genome.Genome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The owner key and verified release a consumer's {@code Cell.lock} pins for a dependency spawned from git: written
 * and read back, kept when the genome is pinned again, and a spawn that names another owner or builds the same tag
 * to another hash is reported with both.
 */
class CellLockReleaseTest
{
    private static final String OWNER = "ed25519:" + "A".repeat(43);
    private static final String OTHER = "ed25519:" + "B".repeat(43);

    @TempDir
    Path dir;

    private static Genome genome()
    {
        return new Genome("exchange", "1.0.0", "00000000000000e1", 7, 0, List.of(), List.of(), "<schema/>");
    }

    @Test
    void theOwnerAndReleaseArePinnedKeptAndChecked() throws Exception
    {
        CellLock lock = CellLock.read(dir).pin("exchange", genome(), "instance exchange-1");
        assertEquals(lock, lock.withRelease("missing", OWNER, "v1", "a".repeat(64)), "no entry: nothing to pin");
        lock = lock.withRelease("exchange", OWNER, "v1", "a".repeat(64));
        final String text = Files.readString(dir.resolve(CellLock.FILE));
        assertTrue(text.contains("owner = \"" + OWNER + "\"") && text.contains("release = \"v1\"") &&
            text.contains("artifact_sha256 = \"" + "a".repeat(64) + "\""), text);

        final CellLock read = CellLock.read(dir);
        assertEquals(OWNER, read.entries().get("exchange").owner());
        assertEquals("v1", read.entries().get("exchange").release());
        assertNull(read.releaseProblem("exchange", OWNER, "v1", "a".repeat(64)));
        assertNull(read.releaseProblem("exchange", OWNER, "v2", "c".repeat(64)), "another tag is another build");
        assertNull(read.releaseProblem("other", OTHER, "v1", null), "nothing pinned for it");

        final String owner = read.releaseProblem("exchange", OTHER, "v1", null);
        assertTrue(owner.contains(OTHER) && owner.contains(OWNER) && owner.contains("cell lock --update"), owner);
        final String hash = read.releaseProblem("exchange", OWNER, "v1", "b".repeat(64));
        assertTrue(hash.contains("a".repeat(64)) && hash.contains("b".repeat(64)), hash);

        // Pinning the genome again (a producer changed) keeps what was pinned about its release.
        final CellLock again = read.pin("exchange", genome(), "path ../exchange");
        assertEquals(OWNER, CellLock.read(dir).entries().get("exchange").owner());
        assertEquals("a".repeat(64), again.entries().get("exchange").artifactSha256());
    }
}
