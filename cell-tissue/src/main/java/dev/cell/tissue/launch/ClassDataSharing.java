package dev.cell.tissue.launch;

import dev.cell.ring.PrivateFiles;
import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.build.MavenBuild;
import dev.cell.tissue.config.TissueConfig.CellSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Application class-data sharing for instances: the first replica of a cell records a dynamic CDS archive of the
 * classes it loaded under {@code <cellDir>/.cell/cds/<cell>.jsa} when it exits
 * ({@code -XX:+AutoCreateSharedArchive}); later starts map it instead of loading and verifying those classes
 * again, which is most of a cell's start-up time. Only cells run from jars (what {@code cell mitosis} builds and
 * stores, see {@link ArtifactStore}) get one: the JVM cannot archive classes loaded from a folder. Other replicas only
 * read an archive that exists, so two JVMs never
 * write the same file. Off with {@code -Dcell.cds=false} or {@code CELL_CDS=false}.
 *
 * @since 0.1
 */
public final class ClassDataSharing
{
    private ClassDataSharing()
    {
    }

    public static List<String> flags(final CellSpec cell, final int replica)
    {
        final String setting = System.getProperty("cell.cds", System.getenv("CELL_CDS"));
        if ("false".equalsIgnoreCase(setting))
        {
            return List.of();
        }
        for (final String entry : MavenBuild.classpath(cell))
        {
            if (Files.isDirectory(Path.of(entry)))
            {
                return List.of(); // CDS archives only jars: a cell run from target/classes starts without one
            }
        }
        final Path archive = cell.dir().resolve(".cell").resolve("cds").resolve(cell.name() + ".jsa");
        try
        {
            // 0700 from creation (with .cell when this is the first thing there): the archive holds the cell's
            // classes, and .cell must never be left open to other users.
            PrivateFiles.createDirectories(archive.getParent());
        }
        catch (final java.io.IOException ex)
        {
            return List.of();
        }
        if (replica == 0)
        {
            return List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off");
        }
        return Files.isRegularFile(archive) ? List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off") :
            List.of();
    }
}
