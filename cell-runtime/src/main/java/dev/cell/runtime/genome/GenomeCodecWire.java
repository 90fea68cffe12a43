package dev.cell.runtime.genome;

import dev.cell.runtime.genome.GenomeCodecLayout.Composite;
import dev.cell.runtime.genome.GenomeCodecLayout.EnumType;
import dev.cell.runtime.genome.GenomeCodecLayout.Field;
import dev.cell.runtime.genome.GenomeCodecLayout.Primitive;
import dev.cell.runtime.genome.GenomeCodecLayout.SetType;
import dev.cell.runtime.genome.GenomeCodecLayout.Type;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.ir.Encoding;

import java.nio.ByteOrder;

/**
 * Primitive reads and writes shared by {@link GenomeCodecWriter} and {@link GenomeCodecReader}.
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
}
