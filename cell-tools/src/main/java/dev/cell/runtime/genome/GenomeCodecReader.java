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
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.ir.Encoding;

import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one message; tracks the read position past groups and var data.
 */
final class GenomeCodecReader
{
    private final DirectBuffer buf;
    private final int limit;
    private final ByteOrder order;
    private final String message;
    private int pos;

    GenomeCodecReader(final DirectBuffer buf, final int limit, final ByteOrder order, final String message)
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
            need(blockStart + f.offset(), GenomeCodecWire.size(f.type()), f.name());
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
            final int entryLength = (int)GenomeCodecWire.getLong(buf, pos + g.blockLengthAt(), g.blockLengthType(), order);
            final int count = (int)GenomeCodecWire.getLong(buf, pos + g.countAt(), g.countType(), order);
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
            final long length = GenomeCodecWire.getLong(buf, pos, v.lengthType(), order);
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
                final long raw = GenomeCodecWire.getLong(buf, at, e.encoding(), order);
                final String name = e.nameOf(raw);
                yield name != null ? name : raw == e.nullValue() ? null : (Object)raw;
            }
            case SetType s ->
            {
                final long bits = GenomeCodecWire.getLong(buf, at, s.encoding(), order);
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
                final long v = GenomeCodecWire.getLong(buf, at, p.type(), order);
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
