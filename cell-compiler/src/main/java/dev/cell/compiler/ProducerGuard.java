package dev.cell.compiler;

import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.discovery.ConsumerRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.genome.Genome;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * The producer's side of the contract: before a {@code @Cell} is generated, the consumers recorded on this host
 * ({@link ConsumerRegistry}, written by {@code @CellRemote} clients when they connect) and those every other host
 * recorded in the registry ({@link RegistryView#uses}, written by this host's registry agent) are checked; a handler
 * that a live consumer still calls and that this build removes or changes incompatibly fails the compile, naming the
 * consumer and, for one elsewhere, its host. When no registry replica runs on this host (no fresh uses file) only this
 * host's consumers are checked, and the build says so. A new major version serves under another name
 * ({@code exchange@2}) and has no such consumers yet.
 */
final class ProducerGuard
{
    private ProducerGuard()
    {
    }

    /**
     * @param env    the processing environment.
     * @param cell   the {@code @Cell} class.
     * @param genome the genome this build produces.
     */
    static void check(final ProcessingEnvironment env, final TypeElement cell, final Genome genome)
    {
        final Path home = CellHome.resolve();
        final String served = genome.servedName();
        for (final ConsumerRegistry.Consumer consumer : ConsumerRegistry.live(home, served))
        {
            for (final Map.Entry<String, String> used : consumer.handlers().entrySet())
            {
                refuse(env, cell, genome, used.getKey(), used.getValue(), "live consumer " + consumer.describe(),
                    "consumer records: " + ConsumerRegistry.dir(home, served));
            }
        }
        final RegistryView.Uses remote = RegistryView.uses(home, served);
        final String here = RegistryView.hostLabel();
        for (final RegistryView.Use u : remote.uses())
        {
            if (!u.host().equals(here))
            {
                refuse(env, cell, genome, u.handler(), u.fingerprint(), "consumer '" + u.consumer() + "' on host '" +
                    u.host() + "' (" + u.identity() + ")", "recorded in the registry: " +
                    RegistryView.usesDir(home).resolve(served));
            }
        }
        if (!remote.fresh() && Files.isDirectory(RegistryView.usesDir(home).getParent()))
        {
            env.getMessager().printMessage(Diagnostic.Kind.NOTE, "cell '" + served + "': no registry replica " +
                "answers on this host (" + RegistryView.usesDir(home) + " is not current), so only this host's " +
                "consumers were checked", cell);
        }
    }

    private static void refuse(final ProcessingEnvironment env, final TypeElement cell, final Genome genome,
        final String handler, final String shape, final String who, final String where)
    {
        final String served = genome.servedName();
        final Genome.Handler h = genome.handler(handler);
        if (h != null && h.accepts(shape))
        {
            return;
        }
        env.getMessager().printMessage(Diagnostic.Kind.ERROR, "breaking change to handler '" + handler +
            "' of cell '" + served + "', which " + who + " still uses: it was built against handler shape " + shape +
            ", this build " + (h == null ? "removes the handler" : "has shape " + h.fingerprint() +
            (h.compatible().isEmpty() ? "" : " (compatible with " + String.join(", ", h.compatible()) + ")")) +
            ". Keep the handler compatible (add fields at the end with @Since), stop that consumer first, or release " +
            "a new major version (@Cell(value = \"" + genome.cell() + "\", version = \"" +
            (Math.max(1, genome.major()) + 1) + ".0.0\")), which runs side by side as '" + genome.cell() + "@" +
            (Math.max(1, genome.major()) + 1) + "' (" + where + ")", cell);
    }
}
