package dev.cell.compiler.deps;

import dev.cell.runtime.CellException;
import dev.cell.runtime.JvmFlags;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.genome.Genome;
import dev.cell.tissue.launch.JvmCommand;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Asks a running instance for its genome: one on this host over a junction, else one the host's registry view lists
 * over its axon (whichever a plain client reaches). The junction code needs the JVM flags of
 * {@link JvmFlags} (Agrona reaches {@code jdk.internal.misc}); a build tool's JVM (Maven running javac in-process)
 * usually lacks them, so there the request runs in a short-lived child JVM started with those flags: this class's
 * {@code main}.
 *
 * @since 0.2
 */
public final class GenomeFetch
{
    private static final String MARKER = "GENOME ";

    private GenomeFetch()
    {
    }

    /**
     * A genome and the instance that answered.
     *
     * @param genome     the genome.
     * @param instanceId the instance.
     */
    record Fetched(Genome genome, String instanceId)
    {
    }

    /**
     * @param cellHome the cell home.
     * @param name     the served cell name.
     * @param timeout  how long to wait for the instance.
     * @return its genome and who answered.
     * @throws IllegalStateException saying why when it cannot be had.
     */
    static Fetched fetch(final Path cellHome, final String name, final Duration timeout)
    {
        // cell.compiler.fetch.child=true forces the child JVM even where it is not needed (ResolutionBenchmark).
        if (!Boolean.getBoolean("cell.compiler.fetch.child") &&
            Object.class.getModule().isExported("jdk.internal.misc", GenomeFetch.class.getModule()))
        {
            return inProcess(cellHome, name, timeout);
        }
        return inChild(cellHome, name, timeout);
    }

    private static Fetched inProcess(final Path cellHome, final String name, final Duration timeout)
    {
        final ClientOptions options = ClientOptions.defaults().withCellHome(cellHome)
            .withConnectTimeout(timeout).withCallTimeout(timeout).withClientName("cell-compiler");
        try (CellConnection c = CellConnection.connect(name, 0, options))
        {
            return new Fetched(c.genome(), c.instanceId());
        }
        catch (final CellException ex)
        {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    private static Fetched inChild(final Path cellHome, final String name, final Duration timeout)
    {
        final List<String> cmd = JvmCommand.java().option("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto")
            .classPath(List.of(classPath()))
            .main(GenomeFetch.class.getName(), cellHome.toString(), name, Long.toString(timeout.toMillis()))
            .toList();
        final Process p;
        try
        {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot start a JVM to ask the instance: " + ex.getMessage(), ex);
        }
        try
        {
            final byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis() + 30_000, TimeUnit.MILLISECONDS))
            {
                throw new IllegalStateException("the genome request did not finish");
            }
            final String text = new String(out, StandardCharsets.UTF_8);
            final int at = text.indexOf(MARKER);
            if (p.exitValue() != 0 || at < 0)
            {
                throw new IllegalStateException(text.strip());
            }
            final String answer = text.substring(at + MARKER.length()).strip();
            final int tab = answer.indexOf('\t');
            if (tab < 0)
            {
                throw new IllegalStateException(text.strip());
            }
            return new Fetched(Genome.fromJson(answer.substring(tab + 1)), answer.substring(0, tab));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read the genome request's answer: " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
        finally
        {
            p.destroyForcibly();
        }
    }

    private static String classPath()
    {
        final Set<String> entries = new LinkedHashSet<>();
        if (GenomeFetch.class.getClassLoader() instanceof URLClassLoader loader)
        {
            for (final URL url : loader.getURLs())
            {
                add(entries, url);
            }
        }
        for (final String type : new String[]{"dev.cell.compiler.deps.GenomeFetch", "dev.cell.runtime.Cell",
            "dev.cell.ring.Junction", "dev.cell.sbe.codecs.HelloEncoder", "org.agrona.DirectBuffer",
            "uk.co.real_logic.sbe.PrimitiveType"})
        {
            try
            {
                final Class<?> c = Class.forName(type, false, GenomeFetch.class.getClassLoader());
                add(entries, c.getProtectionDomain().getCodeSource().getLocation());
            }
            catch (final ClassNotFoundException | RuntimeException ex)
            {
                // Not on this class path: the child fails and says which class it missed.
            }
        }
        for (final String entry : System.getProperty("java.class.path", "").split(File.pathSeparator))
        {
            if (!entry.isBlank())
            {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void add(final Set<String> entries, final URL url)
    {
        try
        {
            entries.add(Path.of(url.toURI()).toString());
        }
        catch (final URISyntaxException | RuntimeException ignore)
        {
            // Not a file: nothing a child JVM could load.
        }
    }

    /**
     * Child JVM entry: prints {@code GENOME <instance id><tab><json>} and exits 0, or prints why and exits 1.
     *
     * @param args cell home, served name, timeout in ms.
     */
    public static void main(final String[] args)
    {
        try
        {
            final Fetched f = inProcess(Path.of(args[0]), args[1], Duration.ofMillis(Long.parseLong(args[2])));
            System.out.println(MARKER + f.instanceId() + "\t" + f.genome().toJson());
            System.out.flush();
            System.exit(0);
        }
        catch (final RuntimeException ex)
        {
            System.out.println(ex.getMessage());
            System.out.flush();
            System.exit(1);
        }
    }
}
