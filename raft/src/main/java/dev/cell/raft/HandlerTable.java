package dev.cell.raft;

import dev.cell.runtime.Cell;
import dev.cell.runtime.Command;
import dev.cell.runtime.Query;
import dev.cell.runtime.genome.Genome;
import org.agrona.collections.Int2IntHashMap;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

/**
 * What each handler of a stateful cell is (command, linearizable query, stale query), by request template id. Built
 * once at start from the cell class's annotations and its genome.
 */
final class HandlerTable
{
    static final int UNKNOWN = 0;
    static final int COMMAND = 1;
    static final int QUERY = 2;
    static final int STALE_QUERY = 3;

    private final Int2IntHashMap kinds = new Int2IntHashMap(UNKNOWN);

    HandlerTable(final Class<?> cellClass, final Genome genome)
    {
        final Map<String, Method> methods = new HashMap<>();
        for (final Method m : cellClass.getMethods())
        {
            if (!Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() != Object.class)
            {
                methods.put(m.getName(), m);
            }
        }
        for (final Genome.Handler h : genome.handlers())
        {
            final Method m = methods.get(h.name());
            final Query query = m == null ? null : m.getAnnotation(Query.class);
            final Command command = m == null ? null : m.getAnnotation(Command.class);
            if (query != null && command != null)
            {
                throw new IllegalArgumentException(cellClass.getName() + "." + h.name() +
                    " is annotated both @Command and @Query: choose one");
            }
            kinds.put(h.requestTemplateId(), query == null ? COMMAND : query.stale() ? STALE_QUERY : QUERY);
        }
    }

    static boolean isStateful(final Class<?> cellClass)
    {
        final Cell cell = cellClass.getAnnotation(Cell.class);
        return cell != null && cell.stateful();
    }

    /**
     * @param templateId a request template id.
     * @return {@link #COMMAND}, {@link #QUERY}, {@link #STALE_QUERY} or {@link #UNKNOWN}.
     */
    int kind(final int templateId)
    {
        return kinds.get(templateId);
    }
}
