package dev.cell.cli;

import dev.cell.runtime.IdleProfile;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.build.MavenBuild;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.launch.ClassDataSharing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code cell mitosis} itself puts under a cell's {@code .cell/} before any instance runs — the build log and the
 * class-data-sharing folder — is created 0700/0600 even where it is the first thing there (the umask is the usual
 * 022 here: the test's own folders come out 0755). The rest (registry, run folders, logs, the Raft group's files) is
 * covered end to end by {@code KvOtherUserTest} in examples/kv.
 */
@Timeout(60)
class CellFolderPermissionsTest
{
    @TempDir
    Path dir;

    private static String mode(final Path p) throws java.io.IOException
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theBuildLogIsPrivateAndSoIsTheCellFolderItMakes() throws Exception
    {
        final Path cellDir = Files.createDirectories(dir.resolve("quotes"));
        final Path oldLog = Files.createDirectories(dir.resolve("old/.cell")).resolve("build.log");
        Files.writeString(oldLog, "left 0644 by an earlier version\n");
        Files.setPosixFilePermissions(oldLog, PosixFilePermissions.fromString("rw-r--r--"));
        final TissueConfig.CellSpec cell = new TissueConfig.CellSpec("quotes", cellDir, cellDir.resolve("cell.toml"),
            1, IdleProfile.ECO);
        final TissueConfig.CellSpec old = new TissueConfig.CellSpec("old", dir.resolve("old"),
            dir.resolve("old/cell.toml"), 1, IdleProfile.ECO);
        // "Maven" here is a program that succeeds without building: the build then fails its check, after the log
        // was made.
        System.setProperty("cell.maven", "/bin/true");
        try
        {
            for (final TissueConfig.CellSpec c : List.of(cell, old))
            {
                try
                {
                    new MavenBuild(new PrintWriter(new StringWriter()), true).build(
                        new MavenBuild.Unit(c.dir(), List.of(c)));
                }
                catch (final UserError expected)
                {
                    // Nothing was built: target/classes is missing.
                }
            }
        }
        finally
        {
            System.clearProperty("cell.maven");
        }
        assertEquals("rwxr-xr-x", mode(dir.resolve("old")), "the umask is 022 outside .cell");
        assertEquals("rwx------", mode(cellDir.resolve(".cell")));
        assertEquals("rw-------", mode(cellDir.resolve(".cell/build.log")));
        assertEquals("rw-------", mode(oldLog), "an earlier, readable log is replaced by a private one");
        assertFalse(Files.readString(oldLog).contains("earlier version"));
    }

    @Test
    void theClassDataSharingFolderIsPrivate() throws Exception
    {
        final Path cellDir = dir.resolve("quotes");
        Files.createDirectories(cellDir.resolve("target"));
        Files.writeString(cellDir.resolve("target/quotes.jar"), "jar bytes");
        Files.writeString(cellDir.resolve(MavenBuild.CLASSPATH_FILE), "/lib/dep.jar");
        final TissueConfig.CellSpec cell = new TissueConfig.CellSpec("quotes", cellDir, cellDir.resolve("cell.toml"),
            1, IdleProfile.ECO);
        new ArtifactStore(dir.resolve("home")).store(cell);
        final List<String> flags = ClassDataSharing.flags(cell, 0);
        assertTrue(flags.contains("-XX:+AutoCreateSharedArchive"), flags.toString());
        assertEquals("rwx------", mode(cellDir.resolve(".cell")));
        assertEquals("rwx------", mode(cellDir.resolve(".cell/cds")));
    }
}
