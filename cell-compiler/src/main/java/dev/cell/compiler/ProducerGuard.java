package dev.cell.compiler;

import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.discovery.ConsumerRegistry;
import dev.cell.runtime.genome.Genome;

import java.nio.file.Path;
import java.util.Map;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * The producer's side of the contract: before a {@code @Cell} is generated, the consumers recorded on this host
 * ({@link ConsumerRegistry}, written by {@code @CellRemote} clients when they connect) are checked; a handler that a
 * live consumer still calls and that this build removes or changes incompatibly fails the compile, naming the
 * consumer. A new major version serves under another name ({@code exchange@2}) and has no such consumers yet.
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
                final Genome.Handler h = genome.handler(used.getKey());
                if (h != null && h.accepts(used.getValue()))
                {
                    continue;
                }
                env.getMessager().printMessage(Diagnostic.Kind.ERROR, "breaking change to handler '" +
                    used.getKey() + "' of cell '" + served + "', which live consumer " + consumer.describe() +
                    " still uses: it was built against handler shape " + used.getValue() + ", this build " +
                    (h == null ? "removes the handler" : "has shape " + h.fingerprint() + (h.compatible().isEmpty() ?
                    "" : " (compatible with " + String.join(", ", h.compatible()) + ")")) + ". Keep the handler " +
                    "compatible (add fields at the end with @Since), stop that consumer first, or release a new " +
                    "major version (@Cell(value = \"" + genome.cell() + "\", version = \"" +
                    (Math.max(1, genome.major()) + 1) + ".0.0\")), which runs side by side as '" + genome.cell() +
                    "@" + (Math.max(1, genome.major()) + 1) + "' (consumer records: " +
                    ConsumerRegistry.dir(home, served) + ")", cell);
            }
        }
    }
}
