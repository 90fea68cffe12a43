package dev.cell.raft;

import dev.cell.runtime.Cell;
import dev.cell.runtime.Command;
import dev.cell.runtime.Query;
import dev.cell.runtime.genome.Genome;
import org.agrona.collections.Int2IntHashMap;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.xml.EncodedDataType;
import uk.co.real_logic.sbe.xml.Field;
import uk.co.real_logic.sbe.xml.Message;
import uk.co.real_logic.sbe.xml.MessageSchema;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What each handler of a stateful cell is (command, linearizable query, stale query), by request template id, and
 * where a command's request id sits in its request. Built once at start from the cell class's annotations and its
 * genome's schema.
 */
final class HandlerTable
{
    static final int UNKNOWN = 0;
    static final int COMMAND = 1;
    static final int QUERY = 2;
    static final int STALE_QUERY = 3;

    private static final int HEADER_LENGTH = 8;

    private final Int2IntHashMap kinds = new Int2IntHashMap(UNKNOWN);
    private final Int2IntHashMap requestIdOffsets = new Int2IntHashMap(-1);

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
        MessageSchema schema = null;
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
            if (query != null)
            {
                kinds.put(h.requestTemplateId(), query.stale() ? STALE_QUERY : QUERY);
                continue;
            }
            kinds.put(h.requestTemplateId(), COMMAND);
            if (command != null && !command.requestId().isEmpty())
            {
                if (schema == null)
                {
                    schema = parse(genome);
                }
                requestIdOffsets.put(h.requestTemplateId(),
                    requestIdOffset(schema, h, command.requestId(), cellClass));
            }
        }
    }

    static boolean isStateful(final Class<?> cellClass)
    {
        final Cell cell = cellClass.getAnnotation(Cell.class);
        return cell != null && cell.stateful();
    }

    private static MessageSchema parse(final Genome genome)
    {
        try
        {
            return XmlSchemaParser.parse(
                new ByteArrayInputStream(genome.schemaXml().getBytes(StandardCharsets.UTF_8)),
                ParserOptions.builder().stopOnError(true).build());
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot read the SBE schema in the genome of cell '" + genome.cell() +
                "': " + ex.getMessage(), ex);
        }
    }

    private static int requestIdOffset(
        final MessageSchema schema, final Genome.Handler h, final String field, final Class<?> cellClass)
    {
        final Message message = schema.getMessage(h.requestTemplateId());
        for (final Field f : message.fields())
        {
            if (f.name().equals(field))
            {
                if (f.type() instanceof EncodedDataType t && t.primitiveType() == PrimitiveType.INT64 &&
                    t.length() == 1)
                {
                    return HEADER_LENGTH + f.computedOffset();
                }
                throw new IllegalArgumentException(cellClass.getName() + "." + h.name() + ": @Command(requestId = \"" +
                    field + "\") names a field that is not a long; make it a long component of the request record");
            }
        }
        throw new IllegalArgumentException(cellClass.getName() + "." + h.name() + ": @Command(requestId = \"" + field +
            "\") names no field of the request message " + h.requestMessage() + "; add a long component named " +
            field + " to the request record");
    }

    int kind(final int templateId)
    {
        return kinds.get(templateId);
    }

    /**
     * @return the request id in a command's request, 0 when the handler declares none.
     */
    long requestId(final int templateId, final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        final int at = requestIdOffsets.get(templateId);
        if (at < 0 || at + 8 > length)
        {
            return 0;
        }
        return buffer.getLong(offset + at, java.nio.ByteOrder.LITTLE_ENDIAN);
    }
}
