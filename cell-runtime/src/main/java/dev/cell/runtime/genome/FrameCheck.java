package dev.cell.runtime.genome;

import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Checks one SBE frame (message header and body) against its schema before anything decodes it: what a peer sends
 * cannot make a decoder read past the frame or allocate more than the frame holds.
 * <p>
 * {@link #check} accepts a frame only when
 * <ul>
 *     <li>it holds the message header, carries the schema's id and a template id of the schema;</li>
 *     <li>its acting block length covers every fixed field its acting version has (older versions' shorter blocks
 *     are legal, as are longer blocks of newer versions) and fits the frame;</li>
 *     <li>every repeating group present at that version has its dimension header within the frame, an entry count
 *     within the schema's maximum and within the frame's length in bytes, an entry block length covering the
 *     entry's fixed fields, and count × block length within the bytes left; nested groups alike, entry by
 *     entry;</li>
 *     <li>every var-data field present at that version has its length prefix within the frame and a length within
 *     the bytes left and within the schema's {@code maxValue};</li>
 *     <li>every enum field holds one of its valid values or its null value;</li>
 *     <li>the message ends within {@code length} (trailing bytes are allowed: a newer version may append fields).</li>
 * </ul>
 * Fields a frame's acting version does not have are skipped, exactly as SBE's generated decoders skip them. Once a
 * frame is accepted, SBE's generated decoders (and the JSON codec of cell-tools) read it within {@code length} and
 * allocate in proportion to it.
 * <p>
 * Built once per schema ({@link #of(Genome)}, {@link #protocol()}); checking interprets a precomputed program and
 * allocates nothing. {@link #problem()} (which allocates its text) says what the last refused frame got wrong, e.g.
 * {@code handler 'put' field 'key': length 2147483647 exceeds the 12 bytes left}.
 * <p>
 * <b>Note:</b> not thread safe (it remembers the last frame): one per thread, see {@link #copy()}. A frame in memory
 * that a peer can still write must be copied before it is checked, and decoded from that copy.
 *
 * @since 0.2
 */
public final class FrameCheck
{
    private static final int OK = 0;
    private static final int SHORT_FRAME = 1;
    private static final int OUTSIDE_BUFFER = 2;
    private static final int SCHEMA = 3;
    private static final int TEMPLATE = 4;
    private static final int BLOCK_SHORT = 5;
    private static final int BLOCK_PAST = 6;
    private static final int GROUP_HEADER = 7;
    private static final int GROUP_MAX = 8;
    private static final int GROUP_BLOCK_SHORT = 9;
    private static final int GROUP_PAST = 10;
    private static final int GROUP_COUNT_FRAME = 11;
    private static final int VAR_HEADER = 12;
    private static final int VAR_PAST = 13;
    private static final int VAR_MAX = 14;
    private static final int ENUM = 15;

    private static final String PROTOCOL_SCHEMA = "/dev/cell/sbe/cell-protocol.xml";

    private final FrameProgram p;
    private final int[] code;
    private final long[] pool;

    private DirectBuffer buffer;
    private int limit;
    private int frameLength;
    private int acting;
    private int templateIndex = -1;
    private int templateId = -1;
    private int end = -1;

    private int kind;
    private int failName = -1;
    private int failEntry = -1;
    private long failValue;
    private long failBound;
    private long failExtra;
    private String problem;

    FrameCheck(final FrameProgram program)
    {
        this.p = program;
        this.code = program.code;
        this.pool = program.pool;
    }

    /**
     * Build the check of a cell's messages (requests, results and declared errors) from its genome's SBE schema.
     *
     * @param genome the cell's genome.
     * @return a check of every message of its schema.
     * @throws IllegalArgumentException when the genome's schema cannot be parsed.
     */
    public static FrameCheck of(final Genome genome)
    {
        return new FrameCheck(FrameProgram.of(genome));
    }

    /**
     * The check of Cell's own protocol ({@code cell-protocol.xml}: Hello, Welcome, Reject, Request, Response,
     * Failure, Heartbeat, GenomeRequest, GenomeResponse, Goodbye). A Request or Response envelope is followed by a
     * cell's message: {@link #end()} is where that message starts; check it with the cell's own {@link FrameCheck}.
     *
     * @return a new check (the schema is compiled once per JVM).
     */
    public static FrameCheck protocol()
    {
        return new FrameCheck(ProtocolHolder.PROGRAM);
    }

    /**
     * @return a new check of the same schema, for another thread.
     */
    public FrameCheck copy()
    {
        return new FrameCheck(p);
    }

    /**
     * Check one frame: the schema's message header followed by the message.
     *
     * @param buffer holds the frame.
     * @param offset where the message header starts.
     * @param length the frame's length (header, body and anything after).
     * @return true when the frame may be decoded; false with {@link #problem()} saying why not.
     */
    public boolean check(final DirectBuffer buffer, final int offset, final int length)
    {
        templateIndex = -1;
        templateId = -1;
        end = -1;
        kind = OK;
        failName = -1;
        failEntry = -1;
        problem = null;
        if (length < p.headerSize)
        {
            return fail(SHORT_FRAME, -1, length, p.headerSize, 0);
        }
        if (offset < 0 || (long)offset + length > buffer.capacity())
        {
            return fail(OUTSIDE_BUFFER, -1, offset, length, buffer.capacity());
        }
        this.buffer = buffer;
        try
        {
            final int blockLength = (int)read(offset + p.blockLengthAt, p.blockLengthType);
            templateId = (int)read(offset + p.templateIdAt, p.templateIdType);
            final int schemaId = (int)read(offset + p.schemaIdAt, p.schemaIdType);
            acting = (int)read(offset + p.versionAt, p.versionType);
            if (schemaId != p.schemaId)
            {
                return fail(SCHEMA, -1, schemaId, p.schemaId, 0);
            }
            templateIndex = p.indexOf(templateId);
            if (templateIndex < 0)
            {
                return fail(TEMPLATE, -1, templateId, 0, 0);
            }
            limit = offset + length;
            frameLength = length;
            final int pc = p.entry[templateIndex];
            final int start = offset + p.headerSize;
            final int min = minBlock(pc);
            if (blockLength < min)
            {
                return fail(BLOCK_SHORT, -1, blockLength, min, acting);
            }
            if (blockLength > limit - start)
            {
                return fail(BLOCK_PAST, -1, blockLength, limit - start, 0);
            }
            final int at = walk(pc, start, blockLength, -1);
            if (at < 0)
            {
                return false;
            }
            end = at;
            return true;
        }
        finally
        {
            this.buffer = null;
        }
    }

    /**
     * @return what the last refused frame got wrong, naming the handler or message and the field; null when the
     * last frame was accepted.
     */
    public String problem()
    {
        if (kind == OK)
        {
            return null;
        }
        if (problem == null)
        {
            problem = describeProblem();
        }
        return problem;
    }

    /**
     * @return the last frame's template id, -1 when its header was not there.
     */
    public int templateId()
    {
        return templateId;
    }

    /**
     * @return the SBE message name of the last frame's template, null when the template is unknown.
     */
    public String messageName()
    {
        return templateIndex < 0 ? null : p.messageNames[templateIndex];
    }

    /**
     * @return the handler the last frame's template belongs to (its request or its result), null for declared
     * errors, protocol messages and unknown templates.
     */
    public String handlerName()
    {
        return templateIndex < 0 ? null : p.handlerNames[templateIndex];
    }

    /**
     * @return the acting (schema) version of the last frame, as its header says.
     */
    public int actingVersion()
    {
        return acting;
    }

    /**
     * @return after an accepted frame, the buffer offset just past its message (for a protocol envelope: where the
     * cell's message starts); -1 after a refused frame.
     */
    public int end()
    {
        return end;
    }

    private int minBlock(final int pc)
    {
        final int n = code[pc + 1];
        int min = 0;
        for (int i = 0; i < n; i++)
        {
            final int since = code[pc + 2 + 2 * i];
            final int fieldsEnd = code[pc + 3 + 2 * i];
            if (since <= acting && fieldsEnd > min)
            {
                min = fieldsEnd;
            }
        }
        return min;
    }

    /**
     * Check one block whose fixed part [start, start + blockLength) is known to lie within the frame and to cover its
     * fixed fields.
     *
     * @return the offset past the block's groups and var data, or -1 when refused.
     */
    private int walk(final int blockPc, final int start, final int blockLength, final int entryIndex)
    {
        int pc = blockPc + 2 + 2 * code[blockPc + 1];
        int pos = start + blockLength;
        while (true)
        {
            switch (code[pc])
            {
                case FrameProgram.OP_ENUM ->
                {
                    if (code[pc + 1] <= acting && !validEnum(start + code[pc + 2], code[pc + 3], code[pc + 5],
                        code[pc + 6]))
                    {
                        return failAt(ENUM, code[pc + 4], entryIndex, read(start + code[pc + 2], code[pc + 3]),
                            code[pc + 5], code[pc + 6]);
                    }
                    pc += 7;
                }
                case FrameProgram.OP_GROUP ->
                {
                    if (code[pc + 1] <= acting)
                    {
                        pos = group(pc, pos, entryIndex);
                        if (pos < 0)
                        {
                            return -1;
                        }
                    }
                    pc += 11 + code[pc + 10];
                }
                case FrameProgram.OP_VAR ->
                {
                    if (code[pc + 1] <= acting)
                    {
                        pos = var(pc, pos, entryIndex);
                        if (pos < 0)
                        {
                            return -1;
                        }
                    }
                    pc += 6;
                }
                case FrameProgram.OP_END ->
                {
                    return pos;
                }
                default -> throw new IllegalStateException("frame check program corrupt at " + pc);
            }
        }
    }

    private int group(final int pc, final int at, final int entryIndex)
    {
        final int name = code[pc + 2];
        final int dimSize = code[pc + 3];
        if (dimSize > limit - at)
        {
            return failAt(GROUP_HEADER, name, entryIndex, dimSize, limit - at, 0);
        }
        final long entryLength = read(at + code[pc + 4], code[pc + 5]);
        final long count = read(at + code[pc + 6], code[pc + 7]);
        final int bodyPc = pc + 11;
        if (count < 0 || count > code[pc + 8])
        {
            return failAt(GROUP_MAX, name, entryIndex, count, code[pc + 8], 0);
        }
        final int min = minBlock(bodyPc);
        if (entryLength < min)
        {
            return failAt(GROUP_BLOCK_SHORT, name, entryIndex, entryLength, min, acting);
        }
        int pos = at + dimSize;
        final long left = limit - pos;
        if (count * entryLength > left)
        {
            return failAt(GROUP_PAST, name, entryIndex, count, entryLength, left);
        }
        if (count > frameLength)
        {
            return failAt(GROUP_COUNT_FRAME, name, entryIndex, count, frameLength, 0);
        }
        if (code[pc + 9] == 0)
        {
            return pos + (int)(count * entryLength);
        }
        for (int i = 0; i < count; i++)
        {
            if (entryLength > limit - pos)
            {
                return failAt(GROUP_PAST, name, i, count, entryLength, limit - pos);
            }
            pos = walk(bodyPc, pos, (int)entryLength, i);
            if (pos < 0)
            {
                return -1;
            }
        }
        return pos;
    }

    private int var(final int pc, final int pos, final int entryIndex)
    {
        final int name = code[pc + 2];
        final int dataOffset = code[pc + 4];
        if (dataOffset > limit - pos)
        {
            return failAt(VAR_HEADER, name, entryIndex, dataOffset, limit - pos, 0);
        }
        final long length = read(pos, code[pc + 3]);
        final long left = limit - pos - dataOffset;
        if (length < 0 || length > left)
        {
            return failAt(VAR_PAST, name, entryIndex, length, left, 0);
        }
        if (length > code[pc + 5])
        {
            return failAt(VAR_MAX, name, entryIndex, length, code[pc + 5], 0);
        }
        return pos + dataOffset + (int)length;
    }

    private boolean validEnum(final int at, final int type, final int poolStart, final int count)
    {
        final long v = read(at, type);
        if (v == pool[poolStart])
        {
            return true;
        }
        for (int i = 1; i <= count; i++)
        {
            if (pool[poolStart + i] == v)
            {
                return true;
            }
        }
        return false;
    }

    private long read(final int at, final int type)
    {
        return GenomeCodecWire.getLong(buffer, at, FrameProgram.TYPES[type], p.order);
    }

    private boolean fail(final int why, final int name, final long value, final long bound, final long extra)
    {
        failAt(why, name, -1, value, bound, extra);
        return false;
    }

    private int failAt(
        final int why, final int name, final int entryIndex, final long value, final long bound, final long extra)
    {
        kind = why;
        failName = name;
        failEntry = entryIndex;
        failValue = value;
        failBound = bound;
        failExtra = extra;
        return -1;
    }

    private String describeProblem()
    {
        final String what = templateIndex < 0 ? p.owner : p.describe[templateIndex];
        final String field = failName < 0 ? "" : (kind >= GROUP_HEADER && kind <= GROUP_COUNT_FRAME ? " group '" :
            " field '") + p.names[failName] + "'" + (failEntry < 0 ? "" : " (entry " + failEntry + ")");
        return what + field + ": " + switch (kind)
        {
            case SHORT_FRAME -> "frame of " + failValue + " bytes is shorter than the " + failBound +
                "-byte message header";
            case OUTSIDE_BUFFER -> "frame of " + failBound + " bytes at offset " + failValue +
                " extends past the buffer's " + failExtra + " bytes";
            case SCHEMA -> "schema id " + failValue + " is not its schema id " + failBound;
            case TEMPLATE -> "no message has template id " + failValue;
            case BLOCK_SHORT -> "block length " + failValue + " is shorter than the " + failBound +
                " bytes its fixed fields take at version " + failExtra;
            case BLOCK_PAST -> "block length " + failValue + " exceeds the " + failBound + " bytes left";
            case GROUP_HEADER -> "its " + failValue + "-byte header exceeds the " + failBound + " bytes left";
            case GROUP_MAX -> "count " + failValue + " exceeds the schema's maximum " + failBound;
            case GROUP_BLOCK_SHORT -> "entry block length " + failValue + " is shorter than the " + failBound +
                " bytes its fixed fields take at version " + failExtra;
            case GROUP_PAST -> failValue + " entries of " + failBound + " bytes exceed the " + failExtra +
                " bytes left";
            case GROUP_COUNT_FRAME -> "count " + failValue + " exceeds the frame's " + failBound + " bytes";
            case VAR_HEADER -> "its " + failValue + "-byte length exceeds the " + failBound + " bytes left";
            case VAR_PAST -> "length " + failValue + " exceeds the " + failBound + " bytes left";
            case VAR_MAX -> "length " + failValue + " exceeds the schema's maximum " + failBound;
            case ENUM -> "value " + failValue + " is none of its " + failExtra + " valid values (nor its null " +
                "value " + pool[(int)failBound] + ")";
            default -> "refused (" + kind + ")";
        };
    }

    /**
     * Compiles the protocol's schema on first use.
     */
    private static final class ProtocolHolder
    {
        static final FrameProgram PROGRAM = FrameProgram.of("cell protocol", protocolSchema());

        private static String protocolSchema()
        {
            try (InputStream in = dev.cell.sbe.codecs.MessageHeaderDecoder.class.getResourceAsStream(PROTOCOL_SCHEMA))
            {
                if (in == null)
                {
                    throw new IllegalStateException("resource " + PROTOCOL_SCHEMA + " is missing from sbe-schemas");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot read " + PROTOCOL_SCHEMA, ex);
            }
        }
    }
}
