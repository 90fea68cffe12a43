package dev.cell.systemtest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A project made by {@code cell init} builds to the same jar, byte for byte, in two folders with two cell homes, two
 * Maven repositories, two time zones, two umasks and sources whose modification times differ by years (what another
 * host's clock would leave): the artifact hash is a property of the source, which is what lets a consumer check a
 * build of a producer's tag against the hash the producer published.
 */
class ReproducibleBuildSystemTest
{
    private Path root;

    @AfterEach
    void cleanUp() throws IOException
    {
        if (root != null)
        {
            SystemTestSupport.killInstances(root.resolve("home-a"));
            SystemTestSupport.killInstances(root.resolve("home-b"));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theSameSourcesBuildToTheSameHashWhateverTheMachine() throws Exception
    {
        root = SystemTestSupport.newDir("reproducible");
        mustSucceed(SystemTestSupport.cell(root, root.resolve("home-a"), 60, "init", "greeter", "--dir",
            root.toString()), "cell init");
        final Path a = root.resolve("greeter");
        final Path b = root.resolve("elsewhere/greeter");
        copy(a, b);
        try (Stream<Path> files = Files.walk(b))
        {
            final FileTime later = FileTime.from(Instant.parse("2031-06-15T12:00:00Z"));
            for (final Path f : files.toList())
            {
                Files.setLastModifiedTime(f, later);
            }
        }
        final Path repoB = root.resolve("repo-b");
        final Path repoA = Path.of(System.getProperty("maven.repo.local",
            Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        mustSucceed(SystemTestSupport.run(root, Map.of(), 300, List.of("cp", "-al", repoA.toString(),
            repoB.toString())), "a second Maven repository (hard links)");

        build(a, root.resolve("home-a"), "UTC", "022", "");
        build(b, root.resolve("home-b"), "Pacific/Kiritimati", "077", "-Dmaven.repo.local=" + repoB);

        final String hashA = sha256(jar(a));
        final String hashB = sha256(jar(b));
        System.out.println("greeter jar sha256: " + hashA + " (" + a + "), " + hashB + " (" + b + ")");
        assertEquals(hashA, hashB, "two builds of the same sources give the same jar");
        assertEquals(storedArtifacts(root.resolve("home-a")), storedArtifacts(root.resolve("home-b")),
            "and the same content-addressed artifact under both cell homes");
    }

    private static void build(final Path project, final Path cellHome, final String tz, final String umask,
        final String mavenArgs) throws Exception
    {
        final List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "umask " + umask + " && exec \"$@\"",
            "sh", SystemTestSupport.java().toString()));
        cmd.addAll(SystemTestSupport.JVM_FLAGS);
        cmd.addAll(List.of("-jar", SystemTestSupport.CLI_JAR.toAbsolutePath().toString(), "build", "--offline"));
        mustSucceed(SystemTestSupport.run(project, Map.of("CELL_HOME", cellHome.toString(), "TZ", tz,
            "CELL_MAVEN_ARGS", mavenArgs), 300, cmd), "cell build in " + project + " (TZ " + tz + ", umask " +
            umask + ")");
    }

    private static Path jar(final Path project) throws IOException
    {
        try (Stream<Path> files = Files.list(project.resolve("target")))
        {
            final List<Path> jars = files.filter(p -> p.toString().endsWith(".jar")).toList();
            assertEquals(1, jars.size(), "one jar in " + project.resolve("target") + ": " + jars);
            return jars.getFirst();
        }
    }

    private static List<String> storedArtifacts(final Path cellHome) throws IOException
    {
        try (Stream<Path> dirs = Files.list(cellHome.resolve("artifacts")))
        {
            final List<String> names = dirs.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(!names.isEmpty(), "an artifact stored under " + cellHome);
            return names;
        }
    }

    private static String sha256(final Path file) throws Exception
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static void copy(final Path from, final Path to) throws IOException
    {
        try (Stream<Path> files = Files.walk(from))
        {
            for (final Path f : files.toList())
            {
                final Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(f, target);
                }
            }
        }
    }
}
