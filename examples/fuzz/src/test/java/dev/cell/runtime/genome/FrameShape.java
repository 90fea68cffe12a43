package dev.cell.runtime.genome;

import dev.cell.runtime.genome.GenomeCodecLayout.Block;
import dev.cell.runtime.genome.GenomeCodecLayout.Composite;
import dev.cell.runtime.genome.GenomeCodecLayout.EnumType;
import dev.cell.runtime.genome.GenomeCodecLayout.Field;
import dev.cell.runtime.genome.GenomeCodecLayout.Group;
import dev.cell.runtime.genome.GenomeCodecLayout.Message;
import dev.cell.runtime.genome.GenomeCodecLayout.Primitive;
import dev.cell.runtime.genome.GenomeCodecLayout.SetType;
import dev.cell.runtime.genome.GenomeCodecLayout.VarData;
import org.agrona.DirectBuffer;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.ir.Token;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import java.io.ByteArrayInputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Test support: the shape of a genome's messages, for a fuzzer. Makes random valid messages (as JSON values for
 * {@link GenomeCodec}) and finds, in a valid encoded frame, where its lengths, counts, block lengths and enums lie
 * so that mutations can lie about exactly those. Assumes the standard 8-byte message header cell-compiler writes.
 */
public final class FrameShape
{
    /** A mutation target's kinds. */
    public static final int HEADER_BLOCK_LENGTH = 0;
    public static final int TEMPLATE_ID = 1;
    public static final int SCHEMA_ID = 2;
    public static final int VERSION = 3;
    public static final int GROUP_BLOCK_LENGTH = 4;
    public static final int GROUP_COUNT = 5;
    public static final int VAR_LENGTH = 6;
    public static final int ENUM = 7;
    public static final int KINDS = 8;

    private static final String[] WORDS = {
        "ACME", "GLOBEX", "INITECH", "apple", "pear", "plum", "ada", "bob", "k1", "k2", "k3", "a/b", "", "x",
        "βeta ✓"};

    private final Genome genome;
    private final GenomeCodec codec;
    private final ByteOrder order;
    private final Map<Integer, Message> byTemplate = new LinkedHashMap<>();
    private final Map<String, Message> byName = new LinkedHashMap<>();

    private FrameShape(final Genome genome)
    {
        this.genome = genome;
        this.codec = GenomeCodec.of(genome);
        try
        {
            final Ir ir = new IrGenerator().generate(XmlSchemaParser.parse(
                new ByteArrayInputStream(genome.schemaXml().getBytes(StandardCharsets.UTF_8)),
                ParserOptions.builder().stopOnError(true).build()));
            this.order = ir.byteOrder();
            for (final List<Token> tokens : ir.messages())
            {
                final Message m = GenomeCodecLayout.message(tokens);
                byTemplate.put(m.templateId(), m);
                byName.put(m.name(), m);
            }
        }
        catch (final Exception ex)
        {
            throw new IllegalArgumentException("schema of " + genome.cell() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @param genome a genome.
     * @return its shape.
     */
    public static FrameShape of(final Genome genome)
    {
        return new FrameShape(genome);
    }

    /**
     * @return the genome's JSON codec.
     */
    public GenomeCodec codec()
    {
        return codec;
    }

    /**
     * @return the template ids of every message of the schema.
     */
    public int[] templateIds()
    {
        return byTemplate.keySet().stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @param message an SBE message name.
     * @param random  randomness.
     * @return random valid field values for it (strings from a small vocabulary so handlers find what they know).
     */
    public Map<String, Object> randomMessage(final String message, final Random random)
    {
        return block(byName.get(message).body(), random, 0);
    }

    private Map<String, Object> block(final Block block, final Random random, final int depth)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (final Field f : block.fields())
        {
            if (!f.isConstant())
            {
                out.put(f.name(), value(f, random));
            }
        }
        for (final Group g : block.groups())
        {
            final int n = depth > 2 ? 0 : random.nextInt(4);
            final List<Object> entries = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                entries.add(block(g.body(), random, depth + 1));
            }
            out.put(g.name(), entries);
        }
        for (final VarData v : block.varData())
        {
            if (v.charset() == null)
            {
                final byte[] bytes = new byte[random.nextInt(4) == 0 ? random.nextInt(300) : random.nextInt(8)];
                random.nextBytes(bytes);
                out.put(v.name(), Base64.getEncoder().encodeToString(bytes));
            }
            else
            {
                out.put(v.name(), random.nextInt(8) == 0 ? "w" + random.nextInt(1_000_000) :
                    WORDS[random.nextInt(WORDS.length)]);
            }
        }
        return out;
    }

    private static Object value(final Field f, final Random random)
    {
        return switch (f.type())
        {
            case Primitive p -> primitive(p, random, f.isOptional());
            case EnumType e ->
            {
                final List<String> names = new ArrayList<>(e.values().keySet());
                yield names.get(random.nextInt(names.size()));
            }
            case SetType s ->
            {
                final List<Object> names = new ArrayList<>();
                for (final String c : s.choices().keySet())
                {
                    if (random.nextBoolean())
                    {
                        names.add(c);
                    }
                }
                yield names;
            }
            case Composite c ->
            {
                final Map<String, Object> m = new LinkedHashMap<>();
                for (final Field member : c.members())
                {
                    if (!member.isConstant())
                    {
                        m.put(member.name(), value(member, random));
                    }
                }
                yield m;
            }
        };
    }

    private static Object primitive(final Primitive p, final Random random, final boolean optional)
    {
        if (optional && random.nextInt(4) == 0)
        {
            return null;
        }
        if (p.isCharArray())
        {
            final String w = WORDS[random.nextInt(4)];
            return w.length() > p.arrayLength() ? w.substring(0, p.arrayLength()) : w;
        }
        if (p.arrayLength() > 1)
        {
            final List<Object> values = new ArrayList<>();
            for (int i = 0; i < p.arrayLength(); i++)
            {
                values.add(scalar(p, random));
            }
            return values;
        }
        return scalar(p, random);
    }

    private static Object scalar(final Primitive p, final Random random)
    {
        final PrimitiveType t = p.type();
        if (t == PrimitiveType.FLOAT || t == PrimitiveType.DOUBLE)
        {
            return random.nextInt(10) == 0 ? -1.5 : (double)random.nextInt(200);
        }
        if (t == PrimitiveType.CHAR)
        {
            return String.valueOf((char)('a' + random.nextInt(26)));
        }
        final long min = t == PrimitiveType.UINT64 ? 0 : p.min().longValue();
        final long max = t == PrimitiveType.UINT64 ? Long.MAX_VALUE : p.max().longValue();
        final long v = switch (random.nextInt(8))
        {
            case 0 -> min;
            case 1 -> max;
            case 2 -> 0;
            case 3 -> -1 - random.nextInt(100);
            default -> 1 + random.nextInt(random.nextBoolean() ? 10 : 200);
        };
        return Math.max(min, Math.min(max, v));
    }

    /**
     * Where a valid frame's lies can go.
     *
     * @param buffer holds a valid frame.
     * @param offset where its header starts.
     * @param length its length.
     * @return per target {kind, offset, size in bytes, bytes left after it (var lengths) or 0}.
     */
    public List<int[]> targets(final DirectBuffer buffer, final int offset, final int length)
    {
        final List<int[]> out = new ArrayList<>();
        out.add(new int[] {HEADER_BLOCK_LENGTH, offset, 2, 0});
        out.add(new int[] {TEMPLATE_ID, offset + 2, 2, 0});
        out.add(new int[] {SCHEMA_ID, offset + 4, 2, 0});
        out.add(new int[] {VERSION, offset + 6, 2, 0});
        final int blockLength = buffer.getShort(offset, order) & 0xFFFF;
        final Message m = byTemplate.get(buffer.getShort(offset + 2, order) & 0xFFFF);
        walk(m.body(), buffer, offset + 8, blockLength, offset + length, out);
        return out;
    }

    private int walk(final Block block, final DirectBuffer b, final int start, final int blockLength, final int limit,
        final List<int[]> out)
    {
        for (final Field f : block.fields())
        {
            enumTargets(f, start + f.offset(), out);
        }
        int pos = start + blockLength;
        for (final Group g : block.groups())
        {
            out.add(new int[] {GROUP_BLOCK_LENGTH, pos + g.blockLengthAt(), g.blockLengthType().size(), 0});
            out.add(new int[] {GROUP_COUNT, pos + g.countAt(), g.countType().size(), 0});
            final int entryLength = (int)GenomeCodecWire.getLong(b, pos + g.blockLengthAt(), g.blockLengthType(),
                order);
            final int count = (int)GenomeCodecWire.getLong(b, pos + g.countAt(), g.countType(), order);
            pos += g.dimensionSize();
            for (int i = 0; i < count; i++)
            {
                pos = walk(g.body(), b, pos, entryLength, limit, out);
            }
        }
        for (final VarData v : block.varData())
        {
            final long len = GenomeCodecWire.getLong(b, pos, v.lengthType(), order);
            out.add(new int[] {VAR_LENGTH, pos, v.lengthType().size(), limit - pos - v.dataOffset()});
            pos += v.dataOffset() + (int)len;
        }
        return pos;
    }

    private static void enumTargets(final Field f, final int at, final List<int[]> out)
    {
        if (f.type() instanceof EnumType e)
        {
            out.add(new int[] {ENUM, at, e.encoding().size(), 0});
        }
        else if (f.type() instanceof Composite c)
        {
            for (final Field m : c.members())
            {
                enumTargets(m, at + m.offset(), out);
            }
        }
    }

    /**
     * @return the byte order of the schema.
     */
    public ByteOrder order()
    {
        return order;
    }

    /**
     * @return the genome.
     */
    public Genome genome()
    {
        return genome;
    }
}
