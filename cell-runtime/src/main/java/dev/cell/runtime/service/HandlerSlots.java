package dev.cell.runtime.service;

import dev.cell.ring.InstanceCounters;
import dev.cell.runtime.genome.Genome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which counter slot of the instance file ({@link InstanceCounters}) a handler's calls are counted in: its position
 * in the genome's handler list (sorted by name), for the first {@link InstanceCounters#HANDLER_SLOTS} handlers; the
 * rest, and requests whose template names no handler, share {@link InstanceCounters#OTHER_SLOT}. A reader maps a
 * slot back to a handler name with {@link #names(Genome)} over the same genome, which the instance leaves in its
 * run folder as {@value #GENOME_FILE}.
 * <p>
 * <b>Note:</b> {@link #slotOf} is one array read (template ids are unsigned 16-bit numbers; the table is as long as
 * the largest handler template id, at most 64 KiB), so the serving thread calls it per request.
 *
 * @since 0.1
 */
public final class HandlerSlots
{
    /**
     * The genome an instance serves, as JSON, in its run folder (next to {@code instance.dat}, owner-only): how a
     * reader of its counters names the slots.
     */
    public static final String GENOME_FILE = "genome.json";

    /**
     * The {@code handler} label of {@link InstanceCounters#OTHER_SLOT}.
     */
    public static final String OTHER = "(other)";

    private final byte[] byTemplateId;

    /**
     * @param genome the served genome.
     */
    public HandlerSlots(final Genome genome)
    {
        final List<Genome.Handler> handlers = genome.handlers();
        int max = -1;
        for (int i = 0; i < handlers.size() && i < InstanceCounters.HANDLER_SLOTS; i++)
        {
            max = Math.max(max, handlers.get(i).requestTemplateId() & 0xFFFF);
        }
        byTemplateId = new byte[max + 1];
        Arrays.fill(byTemplateId, (byte)InstanceCounters.OTHER_SLOT);
        for (int i = 0; i < handlers.size() && i < InstanceCounters.HANDLER_SLOTS; i++)
        {
            byTemplateId[handlers.get(i).requestTemplateId() & 0xFFFF] = (byte)i;
        }
    }

    /**
     * @param templateId a request's template id.
     * @return its handler's slot, {@link InstanceCounters#OTHER_SLOT} when it names none or one past the slots.
     */
    public int slotOf(final int templateId)
    {
        return templateId >= 0 && templateId < byTemplateId.length ? byTemplateId[templateId] :
            InstanceCounters.OTHER_SLOT;
    }

    /**
     * @param genome a genome.
     * @return the handler name of each named slot, by slot (at most {@link InstanceCounters#HANDLER_SLOTS}).
     */
    public static List<String> names(final Genome genome)
    {
        final List<String> names = new ArrayList<>();
        for (final Genome.Handler h : genome.handlers())
        {
            if (names.size() == InstanceCounters.HANDLER_SLOTS)
            {
                break;
            }
            names.add(h.name());
        }
        return List.copyOf(names);
    }
}
