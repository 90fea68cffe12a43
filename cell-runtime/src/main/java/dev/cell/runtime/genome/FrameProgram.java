package dev.cell.runtime.genome;

import dev.cell.runtime.genome.GenomeCodecLayout.Block;
import dev.cell.runtime.genome.GenomeCodecLayout.Composite;
import dev.cell.runtime.genome.GenomeCodecLayout.EnumType;
import dev.cell.runtime.genome.GenomeCodecLayout.Field;
import dev.cell.runtime.genome.GenomeCodecLayout.Group;
import dev.cell.runtime.genome.GenomeCodecLayout.Message;
import dev.cell.runtime.genome.GenomeCodecLayout.VarData;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checks {@link FrameCheck} runs, compiled once from an SBE schema: per template an {@code int[]} program of
 * block, enum, group and var-data instructions, so that checking a frame needs neither allocation nor reflection.
 * <p>
 * A block's code is {@code BLOCK n (since end)×n}, then its enum fields, groups and var data in wire order, then
 * {@code END}. A group instruction carries its dimension layout and is followed by its entries' block code.
 * Immutable; shared by every {@link FrameCheck} built from it.
 */
final class FrameProgram
{
    /** {@code BLOCK n (since, end)×n}: the fixed fields present at a version end before the block does. */
    static final int OP_BLOCK = 1;
    /** {@code ENUM since offset type name poolStart poolCount}: pool[poolStart] is the null value. */
    static final int OP_ENUM = 2;
    /** {@code GROUP since name dimSize blOffset blType countOffset countType maxCount walk bodyLength body…}. */
    static final int OP_GROUP = 3;
    /** {@code VAR since name lengthType dataOffset maxLength}. */
    static final int OP_VAR = 4;
    /** End of a block's code. */
    static final int OP_END = 5;

    static final PrimitiveType[] TYPES = PrimitiveType.values();

    final String owner;
    final ByteOrder order;
    final int schemaId;
    final int schemaVersion;
    final int headerSize;
    final int blockLengthAt;
    final int blockLengthType;
    final int templateIdAt;
    final int templateIdType;
    final int schemaIdAt;
    final int schemaIdType;
    final int versionAt;
    final int versionType;
    /** Template ids, ascending. */
    final int[] templateIds;
    /** Per template (same index): where its code starts. */
    final int[] entry;
    /** Per template: its SBE message name. */
    final String[] messageNames;
    /** Per template: the handler it belongs to (request or result), null for errors and protocol messages. */
    final String[] handlerNames;
    /** Per template: how problems name it, e.g. {@code handler 'put'}. */
    final String[] describe;
    final int[] code;
    final long[] pool;
    final String[] names;

    private FrameProgram(final FrameProgram base, final int[] code)
    {
        this.owner = base.owner;
        this.order = base.order;
        this.schemaId = base.schemaId;
        this.schemaVersion = base.schemaVersion;
        this.headerSize = base.headerSize;
        this.blockLengthAt = base.blockLengthAt;
        this.blockLengthType = base.blockLengthType;
        this.templateIdAt = base.templateIdAt;
        this.templateIdType = base.templateIdType;
        this.schemaIdAt = base.schemaIdAt;
        this.schemaIdType = base.schemaIdType;
        this.versionAt = base.versionAt;
        this.versionType = base.versionType;
        this.templateIds = base.templateIds;
        this.entry = base.entry;
        this.messageNames = base.messageNames;
        this.handlerNames = base.handlerNames;
        this.describe = base.describe;
        this.code = code;
        this.pool = base.pool;
        this.names = base.names;
    }

    private FrameProgram(final String owner, final Ir ir, final Map<Integer, String[]> roles)
    {
        this.owner = owner;
        this.order = ir.byteOrder();
        this.schemaId = ir.id();
        this.schemaVersion = ir.version();
        final HeaderStructure header = ir.headerStructure();
        this.headerSize = header.tokens().getFirst().encodedLength();
        final Token bl = slot(header, HeaderStructure.BLOCK_LENGTH);
        final Token tid = slot(header, HeaderStructure.TEMPLATE_ID);
        final Token sid = slot(header, HeaderStructure.SCHEMA_ID);
        final Token ver = slot(header, HeaderStructure.SCHEMA_VERSION);
        this.blockLengthAt = bl.offset();
        this.blockLengthType = bl.encoding().primitiveType().ordinal();
        this.templateIdAt = tid.offset();
        this.templateIdType = tid.encoding().primitiveType().ordinal();
        this.schemaIdAt = sid.offset();
        this.schemaIdType = sid.encoding().primitiveType().ordinal();
        this.versionAt = ver.offset();
        this.versionType = ver.encoding().primitiveType().ordinal();

        final List<Message> messages = new ArrayList<>();
        for (final List<Token> tokens : ir.messages())
        {
            messages.add(GenomeCodecLayout.message(tokens));
        }
        messages.sort(Comparator.comparingInt(Message::templateId));
        final int n = messages.size();
        templateIds = new int[n];
        entry = new int[n];
        messageNames = new String[n];
        handlerNames = new String[n];
        describe = new String[n];
        final Emitter e = new Emitter();
        for (int i = 0; i < n; i++)
        {
            final Message m = messages.get(i);
            templateIds[i] = m.templateId();
            messageNames[i] = m.name();
            final String[] role = roles.get(m.templateId());
            handlerNames[i] = role == null ? null : role[0];
            describe[i] = role == null ? "message '" + m.name() + "'" : role[1];
            entry[i] = e.size();
            e.block(m.body(), "");
        }
        code = e.code();
        pool = e.pool();
        names = e.names.toArray(String[]::new);
    }

    /**
     * @param genome a cell's genome.
     * @return the checks of every message of its schema.
     * @throws IllegalArgumentException when its schema cannot be parsed.
     */
    static FrameProgram of(final Genome genome)
    {
        final Map<Integer, String[]> roles = new TreeMap<>();
        for (final Genome.Handler h : genome.handlers())
        {
            roles.put(h.requestTemplateId(), new String[] {h.name(), "handler '" + h.name() + "'"});
            roles.put(h.responseTemplateId(), new String[] {h.name(), "result of handler '" + h.name() + "'"});
        }
        for (final Genome.ErrorType err : genome.errors())
        {
            roles.put(err.templateId(), new String[] {null, "error '" + err.name() + "'"});
        }
        return new FrameProgram("cell '" + genome.cell() + "'", parse(genome.schemaXml(),
            "genome of cell '" + genome.cell() + "'"), roles);
    }

    /**
     * @param owner     how problems name the schema's owner, e.g. {@code cell protocol}.
     * @param schemaXml an SBE schema.
     * @return the checks of every message of that schema.
     */
    static FrameProgram of(final String owner, final String schemaXml)
    {
        return new FrameProgram(owner, parse(schemaXml, owner), Map.of());
    }

    /**
     * @return a copy of the code, for tests that build a deliberately weakened program.
     */
    int[] copyOfCode()
    {
        return code.clone();
    }

    /**
     * @param otherCode code laid out as this program's (same templates, same entry points).
     * @return this program with that code.
     */
    FrameProgram withCode(final int[] otherCode)
    {
        if (otherCode.length != code.length)
        {
            throw new IllegalArgumentException("code of " + otherCode.length + " ints, expected " + code.length);
        }
        return new FrameProgram(this, otherCode.clone());
    }

    /**
     * @param templateId a template id.
     * @return its index in {@link #templateIds}, or -1.
     */
    int indexOf(final int templateId)
    {
        final int i = Arrays.binarySearch(templateIds, templateId);
        return i < 0 ? -1 : i;
    }

    private static Ir parse(final String schemaXml, final String what)
    {
        final ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        try (PrintStream err = new PrintStream(diagnostics, true, StandardCharsets.UTF_8))
        {
            final ParserOptions options = ParserOptions.builder()
                .stopOnError(true).warningsFatal(false).errorPrintStream(err).build();
            final MessageSchema schema = XmlSchemaParser.parse(
                new ByteArrayInputStream(schemaXml.getBytes(StandardCharsets.UTF_8)), options);
            return new IrGenerator().generate(schema);
        }
        catch (final Exception ex)
        {
            throw new IllegalArgumentException(what + ": its SBE schema cannot be parsed: " + ex.getMessage() +
                (diagnostics.size() > 0 ? " (" + diagnostics.toString(StandardCharsets.UTF_8).trim() + ")" : ""),
                ex);
        }
    }

    private static Token slot(final HeaderStructure header, final String name)
    {
        for (final Token t : header.tokens())
        {
            if (name.equals(t.name()))
            {
                return t;
            }
        }
        throw new IllegalArgumentException("SBE message header has no '" + name + "' member");
    }

    /**
     * Writes code; grows as needed (only while compiling).
     */
    private static final class Emitter
    {
        private int[] code = new int[256];
        private int size;
        private long[] pool = new long[64];
        private int poolSize;
        private final List<String> names = new ArrayList<>();

        int size()
        {
            return size;
        }

        int[] code()
        {
            return Arrays.copyOf(code, size);
        }

        long[] pool()
        {
            return Arrays.copyOf(pool, poolSize);
        }

        private void put(final int v)
        {
            if (size == code.length)
            {
                code = Arrays.copyOf(code, size * 2);
            }
            code[size++] = v;
        }

        private int poolPut(final long v)
        {
            if (poolSize == pool.length)
            {
                pool = Arrays.copyOf(pool, poolSize * 2);
            }
            pool[poolSize] = v;
            return poolSize++;
        }

        private int name(final String n)
        {
            names.add(n);
            return names.size() - 1;
        }

        void block(final Block block, final String path)
        {
            // Per schema version, the end of the furthest fixed field that version has.
            final TreeMap<Integer, Integer> ends = new TreeMap<>();
            for (final Field f : block.fields())
            {
                final int end = f.offset() + GenomeCodecWire.size(f.type());
                ends.merge(f.sinceVersion(), end, Math::max);
            }
            put(OP_BLOCK);
            put(ends.size());
            for (final Map.Entry<Integer, Integer> x : ends.entrySet())
            {
                put(x.getKey());
                put(x.getValue());
            }
            for (final Field f : block.fields())
            {
                enums(f, f.offset(), f.sinceVersion(), path + f.name());
            }
            for (final Group g : block.groups())
            {
                put(OP_GROUP);
                put(g.sinceVersion());
                put(name(path + g.name()));
                put(g.dimensionSize());
                put(g.blockLengthAt());
                put(g.blockLengthType().ordinal());
                put(g.countAt());
                put(g.countType().ordinal());
                put((int)Math.min(Integer.MAX_VALUE, g.maxCount()));
                put(walks(g.body()) ? 1 : 0);
                final int lengthAt = size;
                put(0);
                final int bodyStart = size;
                block(g.body(), path + g.name() + ".");
                code[lengthAt] = size - bodyStart;
            }
            for (final VarData v : block.varData())
            {
                put(OP_VAR);
                put(v.sinceVersion());
                put(name(path + v.name()));
                put(v.lengthType().ordinal());
                put(v.dataOffset());
                put((int)Math.min(Integer.MAX_VALUE, v.maxLength()));
            }
            put(OP_END);
        }

        private void enums(final Field f, final int offset, final int since, final String path)
        {
            if (f.type() instanceof EnumType e)
            {
                put(OP_ENUM);
                put(since);
                put(offset);
                put(e.encoding().ordinal());
                put(name(path));
                final int start = poolPut(e.nullValue());
                for (final long v : e.values().values())
                {
                    poolPut(v);
                }
                put(start);
                put(e.values().size());
            }
            else if (f.type() instanceof Composite c)
            {
                for (final Field m : c.members())
                {
                    enums(m, offset + m.offset(), Math.max(since, m.sinceVersion()), path + "." + m.name());
                }
            }
        }

        /**
         * @return true when an entry needs more than its fixed length checked: enums, groups or var data.
         */
        private static boolean walks(final Block body)
        {
            if (!body.groups().isEmpty() || !body.varData().isEmpty())
            {
                return true;
            }
            for (final Field f : body.fields())
            {
                if (hasEnum(f))
                {
                    return true;
                }
            }
            return false;
        }

        private static boolean hasEnum(final Field f)
        {
            if (f.type() instanceof EnumType)
            {
                return true;
            }
            if (f.type() instanceof Composite c)
            {
                for (final Field m : c.members())
                {
                    if (hasEnum(m))
                    {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
