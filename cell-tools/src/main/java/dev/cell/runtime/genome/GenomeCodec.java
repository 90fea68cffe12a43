package dev.cell.runtime.genome;

import dev.cell.runtime.genome.GenomeCodecLayout.Message;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.ir.HeaderStructure;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.ir.Token;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.MessageSchema;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Generic JSON ⇄ SBE codec for one cell, built from its {@link Genome}: what {@code cell call} and other generic
 * tools use to call a cell without its generated classes.
 * <p>
 * JSON conventions (the same both ways):
 * <ul>
 *     <li>a message or group entry is a JSON object whose keys are the SBE field names (nested records arrive
 *     flattened by the compiler, e.g. {@code limitPrice});</li>
 *     <li>integers and floating point numbers are JSON numbers (a {@code uint8} also accepts {@code true}/{@code
 *     false}, a {@code uint16} or {@code char} a one-character string);</li>
 *     <li>enums are their constant's name, sets arrays of choice names, composites objects;</li>
 *     <li>repeating groups are arrays of objects;</li>
 *     <li>text var data is a JSON string, opaque var data ({@code byte[]}) a base64 string;</li>
 *     <li>optional fields may be {@code null} or absent; every other field is required and unknown keys are
 *     refused.</li>
 * </ul>
 * Encoding errors are {@link IllegalArgumentException}s that name the field, what was expected and what was given,
 * and, for a missing or unknown field, the fields the handler expects.
 * <p>
 * <b>Note:</b> immutable and thread safe once built; not meant for a hot path (generated codecs are).
 *
 * @since 0.1
 */
public final class GenomeCodec
{
    private final Genome genome;
    private final ByteOrder order;
    private final int schemaId;
    private final int schemaVersion;
    private final int headerSize;
    private final HeaderSlot blockLengthSlot;
    private final HeaderSlot templateIdSlot;
    private final HeaderSlot schemaIdSlot;
    private final HeaderSlot versionSlot;
    private final Map<String, Message> byName = new LinkedHashMap<>();
    private final Map<Integer, Message> byTemplateId = new HashMap<>();

    /**
     * A message decoded to JSON values.
     *
     * @param message    the SBE message's name.
     * @param templateId its template id.
     * @param fields     its fields in wire order: Long, Double, Float, BigInteger (large uint64), Boolean, String,
     *                   null, List (groups, arrays, sets) and Map (group entries, composites).
     */
    public record Decoded(String message, int templateId, Map<String, Object> fields)
    {
        /**
         * @return the fields as compact JSON.
         */
        public String toJson()
        {
            return Json.write(fields);
        }
    }

    private record HeaderSlot(int offset, PrimitiveType type)
    {
    }

    private GenomeCodec(final Genome genome, final Ir ir)
    {
        this.genome = genome;
        this.order = ir.byteOrder();
        this.schemaId = ir.id();
        this.schemaVersion = ir.version();
        final HeaderStructure header = ir.headerStructure();
        this.headerSize = header.tokens().getFirst().encodedLength();
        this.blockLengthSlot = slot(header, HeaderStructure.BLOCK_LENGTH);
        this.templateIdSlot = slot(header, HeaderStructure.TEMPLATE_ID);
        this.schemaIdSlot = slot(header, HeaderStructure.SCHEMA_ID);
        this.versionSlot = slot(header, HeaderStructure.SCHEMA_VERSION);
        for (final List<Token> tokens : ir.messages())
        {
            final Message m = GenomeCodecLayout.message(tokens);
            byName.put(m.name(), m);
            byTemplateId.put(m.templateId(), m);
        }
    }

    /**
     * Build the codec for a genome by parsing its SBE schema.
     *
     * @param genome a cell's genome.
     * @return its codec.
     * @throws IllegalArgumentException when the genome's schema is not a valid SBE schema.
     */
    public static GenomeCodec of(final Genome genome)
    {
        final ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        try (PrintStream err = new PrintStream(diagnostics, true, StandardCharsets.UTF_8))
        {
            final ParserOptions options = ParserOptions.builder()
                .stopOnError(true).warningsFatal(false).errorPrintStream(err).build();
            final MessageSchema schema = XmlSchemaParser.parse(
                new ByteArrayInputStream(genome.schemaXml().getBytes(StandardCharsets.UTF_8)), options);
            return new GenomeCodec(genome, new IrGenerator().generate(schema));
        }
        catch (final Exception ex)
        {
            throw new IllegalArgumentException("genome of cell '" + genome.cell() + "': its SBE schema cannot be " +
                "parsed: " + ex.getMessage() + (diagnostics.size() > 0 ? " (" + diagnostics.toString(
                StandardCharsets.UTF_8).trim() + ")" : ""), ex);
        }
    }

    /**
     * @return the genome this codec was built from.
     */
    public Genome genome()
    {
        return genome;
    }

    /**
     * @return the names of all messages of the schema (requests, responses, errors).
     */
    public List<String> messageNames()
    {
        return List.copyOf(byName.keySet());
    }

    /**
     * @param handler a handler's name.
     * @return the fields its request takes, with their types, e.g. {@code symbol: string, price: int64}.
     * @throws IllegalArgumentException listing the handlers when there is no such handler.
     */
    public String describeRequest(final String handler)
    {
        return requestOf(handler).body().describe();
    }

    /**
     * Encode a handler's request (message header then body) from a JSON object.
     *
     * @param handler the handler's name.
     * @param json    a JSON object, as text.
     * @param buffer  where to encode (an expandable buffer grows as needed).
     * @param offset  where the header starts.
     * @return the encoded length (header plus message).
     * @throws IllegalArgumentException naming the field and the problem, or the handlers when there is no such one.
     */
    public int encodeRequest(final String handler, final String json, final MutableDirectBuffer buffer,
        final int offset)
    {
        return encodeRequest(handler, Json.parseObject(json), buffer, offset);
    }

    /**
     * Encode a handler's request (message header then body) from a parsed JSON object (see {@link Json}).
     *
     * @param handler the handler's name.
     * @param json    the request's fields.
     * @param buffer  where to encode (an expandable buffer grows as needed).
     * @param offset  where the header starts.
     * @return the encoded length (header plus message).
     * @throws IllegalArgumentException naming the field and the problem, or the handlers when there is no such one.
     */
    public int encodeRequest(final String handler, final Map<String, Object> json, final MutableDirectBuffer buffer,
        final int offset)
    {
        return encode(requestOf(handler), "handler '" + handler + "'", json, buffer, offset);
    }

    /**
     * Encode any message of the schema (header then body) from a parsed JSON object.
     *
     * @param message the SBE message's name.
     * @param json    its fields.
     * @param buffer  where to encode (an expandable buffer grows as needed).
     * @param offset  where the header starts.
     * @return the encoded length (header plus message).
     * @throws IllegalArgumentException naming the field and the problem, or the messages when there is no such one.
     */
    public int encode(final String message, final Map<String, Object> json, final MutableDirectBuffer buffer,
        final int offset)
    {
        final Message m = byName.get(message);
        if (m == null)
        {
            throw new IllegalArgumentException("the schema of cell '" + genome.cell() + "' has no message '" +
                message + "'; messages: " + String.join(", ", byName.keySet()));
        }
        return encode(m, "message '" + message + "'", json, buffer, offset);
    }

    /**
     * Decode any message of the schema: a handler's result or one of its errors.
     *
     * @param buffer holds the message, header first.
     * @param offset where the header starts.
     * @param length header plus message.
     * @return the message's name, template id and fields.
     * @throws IllegalArgumentException when the message is of another schema, has an unknown template id or is
     *                                  truncated.
     */
    public Decoded decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < headerSize)
        {
            throw new IllegalArgumentException("message of " + length + " bytes is shorter than its SBE header (" +
                headerSize + " bytes)");
        }
        final int blockLength = (int)GenomeCodecWire.getLong(buffer, offset + blockLengthSlot.offset(),
            blockLengthSlot.type(), order);
        final int templateId = (int)GenomeCodecWire.getLong(buffer, offset + templateIdSlot.offset(),
            templateIdSlot.type(), order);
        final int msgSchemaId = (int)GenomeCodecWire.getLong(buffer, offset + schemaIdSlot.offset(),
            schemaIdSlot.type(), order);
        final int version = (int)GenomeCodecWire.getLong(buffer, offset + versionSlot.offset(),
            versionSlot.type(), order);
        if (msgSchemaId != schemaId)
        {
            throw new IllegalArgumentException("message has schema id " + msgSchemaId + ", but cell '" +
                genome.cell() + "' uses schema id " + schemaId);
        }
        final Message m = byTemplateId.get(templateId);
        if (m == null)
        {
            throw new IllegalArgumentException("cell '" + genome.cell() + "' has no message with template id " +
                templateId);
        }
        final GenomeCodecReader reader = new GenomeCodecReader(buffer, offset + length, order, m.name());
        final Map<String, Object> fields = reader.block(m.body(), blockLength, version, offset + headerSize);
        return new Decoded(m.name(), templateId, fields);
    }

    private Message requestOf(final String handler)
    {
        final Genome.Handler h = genome.handler(handler);
        if (h == null)
        {
            final StringJoiner names = new StringJoiner(", ");
            genome.handlers().forEach(x -> names.add(x.name()));
            throw new IllegalArgumentException("cell '" + genome.cell() + "' has no handler '" + handler +
                "'; its handlers: " + (names.length() == 0 ? "(none)" : names));
        }
        Message m = byName.get(h.requestMessage());
        if (m == null)
        {
            m = byTemplateId.get(h.requestTemplateId());
        }
        if (m == null)
        {
            throw new IllegalArgumentException("genome of cell '" + genome.cell() + "': handler '" + handler +
                "' names request message '" + h.requestMessage() + "', which its schema lacks");
        }
        return m;
    }

    private int encode(final Message m, final String where, final Map<String, Object> json,
        final MutableDirectBuffer buffer, final int offset)
    {
        final GenomeCodecWriter writer = new GenomeCodecWriter(buffer, order, where);
        try
        {
            put(buffer, offset, blockLengthSlot, m.body().blockLength());
            put(buffer, offset, templateIdSlot, m.templateId());
            put(buffer, offset, schemaIdSlot, schemaId);
            put(buffer, offset, versionSlot, schemaVersion);
            final int end = writer.block(m.body(), json, "", offset + headerSize);
            return end - offset;
        }
        catch (final IndexOutOfBoundsException ex)
        {
            throw new IllegalArgumentException(where + ": the encoded message does not fit the buffer of " +
                buffer.capacity() + " bytes at offset " + offset, ex);
        }
    }

    private void put(final MutableDirectBuffer buffer, final int offset, final HeaderSlot slot, final long value)
    {
        GenomeCodecWire.putLong(buffer, offset + slot.offset(), slot.type(), value, order);
    }

    private static HeaderSlot slot(final HeaderStructure header, final String name)
    {
        for (final Token t : header.tokens())
        {
            if (name.equals(t.name()))
            {
                return new HeaderSlot(t.offset(), t.encoding().primitiveType());
            }
        }
        throw new IllegalArgumentException("SBE message header has no '" + name + "' member");
    }

    static String describeJson(final Object value)
    {
        return switch (value)
        {
            case null -> "null";
            case String s -> "string " + Json.write(s.length() > 40 ? s.substring(0, 37) + "..." : s);
            case Boolean b -> "boolean " + b;
            case Number n -> "number " + n;
            case Map<?, ?> m -> "object";
            case List<?> l -> "array of " + l.size();
            default -> value.getClass().getSimpleName();
        };
    }
}
