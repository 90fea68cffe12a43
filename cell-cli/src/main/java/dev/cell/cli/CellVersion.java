package dev.cell.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The Cell version this command belongs to, read from {@code cell-cli.properties} (written by the build with the
 * project's version). {@code cell init} scaffolds projects against this version of {@code cell-runtime} and
 * {@code cell-compiler}.
 *
 * @since 0.1
 */
public final class CellVersion implements CommandLine.IVersionProvider
{
    private static final String RESOURCE = "cell-cli.properties";

    /**
     * @return the Cell version, e.g. {@code 0.1.0-SNAPSHOT}.
     * @throws IllegalStateException when the resource is missing or was not filtered by the build.
     */
    public static String version()
    {
        try (InputStream in = CellVersion.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("resource dev/cell/cli/" + RESOURCE + " is missing from the " +
                    "cell-cli jar; rebuild Cell (./cell test or mvn install)");
            }
            final Properties props = new Properties();
            props.load(in);
            final String v = props.getProperty("cell.version", "");
            if (v.isBlank() || v.contains("${"))
            {
                throw new IllegalStateException("resource dev/cell/cli/" + RESOURCE + " was not filtered by the " +
                    "build (cell.version=" + v + "); rebuild cell-cli with Maven");
            }
            return v.trim();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public String[] getVersion()
    {
        return new String[] {
            "cell " + version(),
            "JVM: " + System.getProperty("java.vm.name") + " " + Runtime.version() + " (" +
                System.getProperty("java.home") + ")"
        };
    }
}
