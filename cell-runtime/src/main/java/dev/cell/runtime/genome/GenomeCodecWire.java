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
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.ir.Encoding;

import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The byte-level half of {@link GenomeCodec}: writes JSON values into an SBE layout and reads them back.
 */
final class GenomeCodecWire
{
    private GenomeCodecWire()
    {
    }

    static long getLong(final DirectBuffer b, final int at, final PrimitiveType type, final ByteOrder order)
    {
        return switch (type)
        {
            case CHAR, INT8 -> b.getByte(at);
            case UINT8 -> b.getByte(at) & 0xFFL;
            case INT16 -> b.getShort(at, order);
            case UINT16 -> b.getShort(at, order) & 0xFFFFL;
            case INT32 -> b.getInt(at, order);
            case UINT32 -> b.getInt(at, order) & 0xFFFF_FFFFL;
            case INT64, UINT64 -> b.getLong(at, order);
            case FLOAT -> (long)b.getFloat(at, order);
            case DOUBLE -> (long)b.getDouble(at, order);
        };
    }

    static void putLong(
        final MutableDirectBuffer b, final int at, final PrimitiveType type, final long v, final ByteOrder order)
    {
        switch (type)
        {
            case CHAR, INT8, UINT8 -> b.putByte(at, (byte)v);
            case INT16, UINT16 -> b.putShort(at, (short)v, order);
            case INT32, UINT32 -> b.putInt(at, (int)v, order);
            case INT64, UINT64 -> b.putLong(at, v, order);
            case FLOAT -> b.putFloat(at, v, order);
            case DOUBLE -> b.putDouble(at, v, order);
        }
    }

    static int size(final Type type)
    {
        return switch (type)
        {
            case Primitive p -> p.presence() == Encoding.Presence.CONSTANT ? 0 : p.type().size() * p.arrayLength();
            case EnumType e -> e.encoding().size();
            case SetType s -> s.encoding().size();
            case Composite c ->
            {
                int end = 0;
                for (final Field m : c.members())
                {
                    end = Math.max(end, m.offset() + size(m.type()));
                }
                yield end;
            }
        };
    }

    /**
     * Encodes JSON objects into a buffer; one per encode call.
     */
    static final class Writer
    {
        private final MutableDirectBuffer buf;
        private final ByteOrder order;
        private final String where;

        Writer(final MutableDirectBuffer buf, final ByteOrder order, final String where)
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
            putLong(buf, at + g.blockLengthAt(), g.blockLengthType(), g.body().blockLength(), order);
            putLong(buf, at + g.countAt(), g.countType(), entries.size(), order);
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
            putLong(buf, at, v.lengthType(), bytes.length, order);
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
                    putLong(buf, at, e.encoding(), v, order);
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
                    putLong(buf, at, s.encoding(), bits, order);
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
                    putLong(buf, at, t, p.nullValue().longValue(), order);
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
            putLong(buf, at, t, v, order);
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

    /**
     * Decodes one message; tracks the read position past groups and var data.
     */
    static final class Reader
    {
        private final DirectBuffer buf;
        private final int limit;
        private final ByteOrder order;
        private final String message;
        private int pos;

        Reader(final DirectBuffer buf, final int limit, final ByteOrder order, final String message)
        {
            this.buf = buf;
            this.limit = limit;
            this.order = order;
            this.message = message;
        }

        Map<String, Object> block(final Block block, final int actingBlockLength, final int actingVersion,
            final int blockStart)
        {
            need(blockStart, actingBlockLength, "fixed fields");
            final Map<String, Object> out = new LinkedHashMap<>();
            for (final Field f : block.fields())
            {
                if (f.sinceVersion() > actingVersion)
                {
                    continue;
                }
                if (f.isConstant())
                {
                    final Primitive p = (Primitive)f.type();
                    out.put(f.name(), p.isCharArray() ? p.constValue().toString() :
                        p.type() == PrimitiveType.FLOAT || p.type() == PrimitiveType.DOUBLE ?
                        (Object)p.constValue().doubleValue() : (Object)p.constValue().longValue());
                    continue;
                }
                need(blockStart + f.offset(), size(f.type()), f.name());
                out.put(f.name(), value(f.type(), blockStart + f.offset()));
            }
            pos = blockStart + actingBlockLength;
            for (final Group g : block.groups())
            {
                if (g.sinceVersion() > actingVersion)
                {
                    continue;
                }
                need(pos, g.dimensionSize(), g.name());
                final int entryLength = (int)getLong(buf, pos + g.blockLengthAt(), g.blockLengthType(), order);
                final int count = (int)getLong(buf, pos + g.countAt(), g.countType(), order);
                pos += g.dimensionSize();
                final List<Object> entries = new ArrayList<>(count);
                for (int i = 0; i < count; i++)
                {
                    entries.add(block(g.body(), entryLength, actingVersion, pos));
                }
                out.put(g.name(), entries);
            }
            for (final VarData v : block.varData())
            {
                if (v.sinceVersion() > actingVersion)
                {
                    continue;
                }
                need(pos, v.dataOffset(), v.name());
                final long length = getLong(buf, pos, v.lengthType(), order);
                need(pos + v.dataOffset(), length, v.name());
                final byte[] bytes = new byte[(int)length];
                buf.getBytes(pos + v.dataOffset(), bytes);
                pos += v.dataOffset() + (int)length;
                out.put(v.name(), v.charset() == null ? Base64.getEncoder().encodeToString(bytes) :
                    new String(bytes, v.charset()));
            }
            return out;
        }

        private Object value(final Type type, final int at)
        {
            return switch (type)
            {
                case Primitive p -> primitive(p, at);
                case EnumType e ->
                {
                    final long raw = getLong(buf, at, e.encoding(), order);
                    final String name = e.nameOf(raw);
                    yield name != null ? name : raw == e.nullValue() ? null : (Object)raw;
                }
                case SetType s ->
                {
                    final long bits = getLong(buf, at, s.encoding(), order);
                    final List<Object> names = new ArrayList<>();
                    s.choices().forEach((name, bit) ->
                    {
                        if ((bits & (1L << bit)) != 0)
                        {
                            names.add(name);
                        }
                    });
                    yield names;
                }
                case Composite c ->
                {
                    final Map<String, Object> out = new LinkedHashMap<>();
                    for (final Field m : c.members())
                    {
                        if (!m.isConstant())
                        {
                            out.put(m.name(), value(m.type(), at + m.offset()));
                        }
                    }
                    yield out;
                }
            };
        }

        private Object primitive(final Primitive p, final int at)
        {
            if (p.isCharArray())
            {
                int n = 0;
                while (n < p.arrayLength() && buf.getByte(at + n) != 0)
                {
                    n++;
                }
                return buf.getStringWithoutLengthAscii(at, n);
            }
            if (p.arrayLength() > 1)
            {
                final List<Object> values = new ArrayList<>(p.arrayLength());
                for (int i = 0; i < p.arrayLength(); i++)
                {
                    values.add(scalar(p, at + i * p.type().size()));
                }
                return values;
            }
            return scalar(p, at);
        }

        private Object scalar(final Primitive p, final int at)
        {
            final boolean optional = p.presence() == Encoding.Presence.OPTIONAL;
            switch (p.type())
            {
                case FLOAT ->
                {
                    final float f = buf.getFloat(at, order);
                    return optional && Float.isNaN(f) ? null : (Object)f;
                }
                case DOUBLE ->
                {
                    final double d = buf.getDouble(at, order);
                    return optional && Double.isNaN(d) ? null : (Object)d;
                }
                default ->
                {
                    final long v = getLong(buf, at, p.type(), order);
                    if (optional && v == p.nullValue().longValue())
                    {
                        return null;
                    }
                    if (p.type() == PrimitiveType.CHAR)
                    {
                        return String.valueOf((char)v);
                    }
                    if (p.type() == PrimitiveType.UINT64 && v < 0)
                    {
                        return new BigInteger(Long.toUnsignedString(v));
                    }
                    return v;
                }
            }
        }

        private void need(final int at, final long length, final String what)
        {
            if (at < 0 || length < 0 || at + length > limit)
            {
                throw new IllegalArgumentException("message '" + message + "' is truncated: '" + what + "' needs " +
                    length + " bytes at offset " + at + " but the message ends at " + limit);
            }
        }
    }
}
