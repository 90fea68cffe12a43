package dev.cell.runtime.genome;

import dev.cell.runtime.genome.GenomeCodecLayout.Block;
import dev.cell.runtime.genome.GenomeCodecLayout.Composite;
import dev.cell.runtime.genome.GenomeCodecLayout.EnumType;
import dev.cell.runtime.genome.GenomeCodecLayout.Field;
import dev.cell.runtime.genome.GenomeCodecLayout.Group;
import dev.cell.runtime.genome.GenomeCodecLayout.Primitive;
import dev.cell.runtime.genome.GenomeCodecLayout.SetType;
import dev.cell.runtime.genome.GenomeCodecLayout.Type;
import dev.cell.runtime.genome.GenomeCodecLayout.VarData;
import org.agrona.MutableDirectBuffer;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.ir.Encoding;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Encodes JSON objects into a buffer; one per encode call.
 */
final class GenomeCodecWriter
{
    private final MutableDirectBuffer buf;
    private final ByteOrder order;
    private final String where;

    GenomeCodecWriter(final MutableDirectBuffer buf, final ByteOrder order, final String where)
    {
        this.buf = buf;
        this.order = order;
        this.where = where;
    }

    /**
     * @return the offset just past the block's groups and var data.
     */
    int block(final Block block, final Map<String, Object> json, final String path, final int blockStart)
    {
        for (final String key : json.keySet())
        {
            if (!block.has(key))
            {
                throw new IllegalArgumentException(where + ": unknown field '" + path + key +
                    "'; expected fields: " + block.describe());
            }
        }
        buf.setMemory(blockStart, block.blockLength(), (byte)0);
        for (final Field f : block.fields())
        {
            if (f.isConstant())
            {
                continue;
            }
            if (!json.containsKey(f.name()) && !f.isOptional())
            {
                throw missing(path + f.name(), f.type().describe(), block.describe());
            }
            value(f.type(), json.get(f.name()), path + f.name(), blockStart + f.offset());
        }
        int cursor = blockStart + block.blockLength();
        for (final Group g : block.groups())
        {
            cursor = group(g, json, path, cursor, block);
        }
        for (final VarData v : block.varData())
        {
            cursor = varData(v, json, path, cursor, block);
        }
        return cursor;
    }

    private int group(final Group g, final Map<String, Object> json, final String path, final int at,
        final Block parent)
    {
        final String name = path + g.name();
        if (!json.containsKey(g.name()))
        {
            throw missing(name, "array of {" + g.body().describe() + "}", parent.describe());
        }
        if (!(json.get(g.name()) instanceof List<?> entries))
        {
            throw wrong(name, "an array of objects", json.get(g.name()));
        }
        if (entries.size() > g.maxCount())
        {
            throw new IllegalArgumentException(where + ": field '" + name + "' has " + entries.size() +
                " entries; at most " + g.maxCount() + " fit a repeating group");
        }
        GenomeCodecWire.putLong(buf, at + g.blockLengthAt(), g.blockLengthType(), g.body().blockLength(), order);
        GenomeCodecWire.putLong(buf, at + g.countAt(), g.countType(), entries.size(), order);
        int cursor = at + g.dimensionSize();
        for (int i = 0; i < entries.size(); i++)
        {
            final String entryPath = name + "[" + i + "]";
            if (!(entries.get(i) instanceof Map<?, ?> entry))
            {
                throw wrong(entryPath, "an object {" + g.body().describe() + "}", entries.get(i));
            }
            @SuppressWarnings("unchecked")
            final Map<String, Object> fields = (Map<String, Object>)entry;
            cursor = block(g.body(), fields, entryPath + ".", cursor);
        }
        return cursor;
    }

    private int varData(final VarData v, final Map<String, Object> json, final String path, final int at,
        final Block parent)
    {
        final String name = path + v.name();
        final String expected = v.charset() == null ? "base64 bytes" : "string";
        if (!json.containsKey(v.name()))
        {
            throw missing(name, expected, parent.describe());
        }
        if (!(json.get(v.name()) instanceof String s))
        {
            throw wrong(name, expected, json.get(v.name()));
        }
        final byte[] bytes;
        if (v.charset() == null)
        {
            try
            {
                bytes = Base64.getDecoder().decode(s);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(where + ": field '" + name + "' expects base64 bytes, got " +
                    GenomeCodec.describeJson(s) + " (" + ex.getMessage() + ")", ex);
            }
        }
        else
        {
            bytes = s.getBytes(v.charset());
        }
        if (bytes.length > v.maxLength())
        {
            throw new IllegalArgumentException(where + ": field '" + name + "' is " + bytes.length +
                " bytes long; at most " + v.maxLength() + " fit");
        }
        GenomeCodecWire.putLong(buf, at, v.lengthType(), bytes.length, order);
        buf.putBytes(at + v.dataOffset(), bytes);
        return at + v.dataOffset() + bytes.length;
    }

    private void value(final Type type, final Object value, final String path, final int at)
    {
        switch (type)
        {
            case Primitive p -> primitive(p, value, path, at);
            case EnumType e ->
            {
                final Long v = value instanceof String s ? e.values().get(s) : null;
                if (v == null)
                {
                    throw wrong(path, "one of " + String.join(", ", e.values().keySet()), value);
                }
                GenomeCodecWire.putLong(buf, at, e.encoding(), v, order);
            }
            case SetType s ->
            {
                if (!(value instanceof List<?> names))
                {
                    throw wrong(path, "an array of " + String.join(", ", s.choices().keySet()), value);
                }
                long bits = 0;
                for (final Object n : names)
                {
                    final Integer bit = n instanceof String str ? s.choices().get(str) : null;
                    if (bit == null)
                    {
                        throw wrong(path, "an array of " + String.join(", ", s.choices().keySet()), n);
                    }
                    bits |= 1L << bit;
                }
                GenomeCodecWire.putLong(buf, at, s.encoding(), bits, order);
            }
            case Composite c ->
            {
                if (!(value instanceof Map<?, ?> map))
                {
                    throw wrong(path, "an object " + c.describe(), value);
                }
                for (final Object key : map.keySet())
                {
                    if (c.members().stream().noneMatch(m -> m.name().equals(key)))
                    {
                        throw new IllegalArgumentException(where + ": unknown field '" + path + "." + key +
                            "'; expected " + c.describe());
                    }
                }
                for (final Field m : c.members())
                {
                    if (!m.isConstant())
                    {
                        if (!map.containsKey(m.name()) && !m.isOptional())
                        {
                            throw missing(path + "." + m.name(), m.type().describe(), c.describe());
                        }
                        value(m.type(), map.get(m.name()), path + "." + m.name(), at + m.offset());
                    }
                }
            }
        }
    }

    private void primitive(final Primitive p, final Object value, final String path, final int at)
    {
        if (p.isCharArray())
        {
            if (!(value instanceof String s) || !StandardCharsets.US_ASCII.newEncoder().canEncode(s))
            {
                throw wrong(path, "an ASCII string of at most " + p.arrayLength() + " chars", value);
            }
            if (s.length() > p.arrayLength())
            {
                throw wrong(path, "an ASCII string of at most " + p.arrayLength() + " chars", value);
            }
            final byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            buf.setMemory(at, p.arrayLength(), (byte)0);
            buf.putBytes(at, bytes);
        }
        else if (p.arrayLength() > 1)
        {
            if (!(value instanceof List<?> list) || list.size() > p.arrayLength())
            {
                throw wrong(path, "an array of at most " + p.arrayLength() + " " + p.type().primitiveName(),
                    value);
            }
            buf.setMemory(at, p.arrayLength() * p.type().size(), (byte)0);
            for (int i = 0; i < list.size(); i++)
            {
                scalar(p, list.get(i), path + "[" + i + "]", at + i * p.type().size());
            }
        }
        else
        {
            scalar(p, value, path, at);
        }
    }

    private void scalar(final Primitive p, final Object value, final String path, final int at)
    {
        final PrimitiveType t = p.type();
        final boolean optional = p.presence() == Encoding.Presence.OPTIONAL;
        if (value == null && optional)
        {
            if (t == PrimitiveType.FLOAT || t == PrimitiveType.DOUBLE)
            {
                putDouble(t, at, p.nullValue().doubleValue());
            }
            else
            {
                GenomeCodecWire.putLong(buf, at, t, p.nullValue().longValue(), order);
            }
            return;
        }
        if (t == PrimitiveType.FLOAT || t == PrimitiveType.DOUBLE)
        {
            if (!(value instanceof Number n))
            {
                throw wrong(path, t.primitiveName(), value);
            }
            putDouble(t, at, n.doubleValue());
            return;
        }
        final long v;
        if (value instanceof Long l)
        {
            v = l;
        }
        else if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p63)
        {
            v = d.longValue();
        }
        else if (value instanceof Boolean b && t == PrimitiveType.UINT8)
        {
            v = b ? 1 : 0;
        }
        else if (value instanceof String s && s.length() == 1 &&
            (t == PrimitiveType.UINT16 || t == PrimitiveType.CHAR))
        {
            v = s.charAt(0);
        }
        else
        {
            throw wrong(path, t.primitiveName() + (optional ? " or null" : ""), value);
        }
        final boolean inRange = t == PrimitiveType.UINT64 ? v >= 0 :
            v >= p.min().longValue() && v <= p.max().longValue();
        if (!inRange)
        {
            final String range = t == PrimitiveType.UINT64 ? "0.." + Long.MAX_VALUE :
                p.min().longValue() + ".." + p.max().longValue();
            throw wrong(path, t.primitiveName() + " in " + range, value);
        }
        GenomeCodecWire.putLong(buf, at, t, v, order);
    }

    private void putDouble(final PrimitiveType t, final int at, final double v)
    {
        if (t == PrimitiveType.FLOAT)
        {
            buf.putFloat(at, (float)v, order);
        }
        else
        {
            buf.putDouble(at, v, order);
        }
    }

    private IllegalArgumentException missing(final String path, final String type, final String expected)
    {
        return new IllegalArgumentException(where + ": missing field '" + path + "' (" + type +
            "); expected fields: " + expected);
    }

    private IllegalArgumentException wrong(final String path, final String expected, final Object got)
    {
        return new IllegalArgumentException(where + ": field '" + path + "' expects " + expected + ", got " +
            GenomeCodec.describeJson(got));
    }
}
