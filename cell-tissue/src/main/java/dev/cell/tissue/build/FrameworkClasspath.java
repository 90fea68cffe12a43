package dev.cell.tissue.build;

import dev.cell.runtime.genome.Genome;
import dev.cell.tissue.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The class path of one of Cell's own modules at the version this process runs ({@code cell-runtime} for a
 * {@code [build]} command to compile against, {@code cell-registry} for a host's registry replica, which the
 * {@code cell} command does not carry): Maven resolves it from the local repository (and, unless offline, the
 * network) through a one-dependency pom Cell writes itself.
 *
 * @since 0.3
 */
public final class FrameworkClasspath
{
    private static final Pattern ARTIFACT = Pattern.compile("cell-[a-z]+");

    private FrameworkClasspath()
    {
    }

    /**
     * @param artifactId a Cell module ({@code cell-runtime}, {@code cell-compiler}, {@code cell-registry}).
     * @param dir        a folder for its pom and Maven's log (created).
     * @param offline    true to use only the local Maven repository.
     * @param out        where Maven's progress goes.
     * @return its runtime class path, the path separator between jars.
     * @throws UserError when Maven cannot resolve it.
     */
    public static String resolve(final String artifactId, final Path dir, final boolean offline,
        final PrintWriter out)
    {
        if (!ARTIFACT.matcher(artifactId).matches())
        {
            throw new IllegalArgumentException("not a Cell module: " + artifactId);
        }
        try
        {
            dev.cell.ring.PrivateFiles.createDirectories(dir);
            Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>dev.cell.classpath</groupId>
                  <artifactId>%1$s-classpath</artifactId>
                  <version>1</version>
                  <packaging>pom</packaging>
                  <dependencies>
                    <dependency>
                      <groupId>dev.cell</groupId><artifactId>%1$s</artifactId><version>%2$s</version>
                    </dependency>
                  </dependencies>
                </project>
                """.formatted(artifactId, version()));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + dir.resolve("pom.xml"), ex);
        }
        return new MavenBuild(out, offline, false).dependencyClasspath(dir);
    }

    /**
     * @return the version of the Cell runtime this process runs ({@code cell-runtime}'s {@code pom.properties}).
     * @throws UserError when it does not run cell-runtime from its jar.
     */
    public static String version()
    {
        try (InputStream in = Genome.class.getResourceAsStream("/META-INF/maven/dev.cell/cell-runtime/pom.properties"))
        {
            if (in != null)
            {
                final Properties p = new Properties();
                p.load(in);
                final String v = p.getProperty("version", "");
                if (v.matches("[0-9A-Za-z.+-]{1,64}"))
                {
                    return v;
                }
            }
        }
        catch (final IOException ignore)
        {
            // reported below
        }
        throw new UserError("cannot tell which Cell version to resolve: this process does not run cell-runtime " +
            "from its jar (run the cell command)");
    }
}
