package dev.cell.enzyme;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A kernel's arguments, in order, in native memory laid out as {@code cuLaunchKernel} takes them (an array of
 * pointers, each to one argument's value). Reused across launches: {@link #clear()}, add the arguments, launch; no
 * allocation per launch. Not thread safe: one per thread that launches.
 *
 * @since 0.1
 */
public final class KernelArgs
{
    private static final byte BUFFER = 1;
    private static final byte I32 = 2;
    private static final byte I64 = 3;
    private static final byte F32 = 4;
    private static final byte F64 = 5;

    private final MemorySegment values;
    private final MemorySegment params;
    private final byte[] kinds;
    private final DeviceBuffer[] buffers;
    private int count;

    /**
     * @param capacity the most arguments one launch takes.
     */
    public KernelArgs(final int capacity)
    {
        if (capacity < 1 || capacity > 256)
        {
            throw new IllegalArgumentException("a kernel takes 1..256 arguments, not " + capacity);
        }
        final Arena arena = Arena.ofAuto();
        values = arena.allocate(8L * capacity, 8);
        params = arena.allocate(8L * capacity, 8);
        for (int i = 0; i < capacity; i++)
        {
            params.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(8L * i, 8));
        }
        kinds = new byte[capacity];
        buffers = new DeviceBuffer[capacity];
    }

    /**
     * @return this, empty.
     */
    public KernelArgs clear()
    {
        java.util.Arrays.fill(buffers, 0, count, null);
        count = 0;
        return this;
    }

    /**
     * @param buffer a pointer argument.
     * @return this.
     */
    public KernelArgs buffer(final DeviceBuffer buffer)
    {
        final int i = next(BUFFER);
        values.setAtIndex(ValueLayout.JAVA_LONG, i, buffer.address());
        buffers[i] = buffer;
        return this;
    }

    /**
     * @param value an {@code int} argument.
     * @return this.
     */
    public KernelArgs i32(final int value)
    {
        values.setAtIndex(ValueLayout.JAVA_INT, 2L * next(I32), value);
        return this;
    }

    /**
     * @param value a {@code long long} argument.
     * @return this.
     */
    public KernelArgs i64(final long value)
    {
        values.setAtIndex(ValueLayout.JAVA_LONG, next(I64), value);
        return this;
    }

    /**
     * @param value a {@code float} argument.
     * @return this.
     */
    public KernelArgs f32(final float value)
    {
        values.setAtIndex(ValueLayout.JAVA_FLOAT, 2L * next(F32), value);
        return this;
    }

    /**
     * @param value a {@code double} argument.
     * @return this.
     */
    public KernelArgs f64(final double value)
    {
        values.setAtIndex(ValueLayout.JAVA_DOUBLE, next(F64), value);
        return this;
    }

    /**
     * @return how many arguments were added.
     */
    public int count()
    {
        return count;
    }

    /**
     * @param i an argument's position.
     * @return it, a buffer.
     */
    public DeviceBuffer bufferAt(final int i)
    {
        check(i, BUFFER);
        return buffers[i];
    }

    /**
     * @param i an argument's position.
     * @return it, an {@code int}.
     */
    public int i32At(final int i)
    {
        check(i, I32);
        return values.getAtIndex(ValueLayout.JAVA_INT, 2L * i);
    }

    /**
     * @param i an argument's position.
     * @return it, a {@code long}.
     */
    public long i64At(final int i)
    {
        check(i, I64);
        return values.getAtIndex(ValueLayout.JAVA_LONG, i);
    }

    /**
     * @param i an argument's position.
     * @return it, a {@code float}.
     */
    public float f32At(final int i)
    {
        check(i, F32);
        return values.getAtIndex(ValueLayout.JAVA_FLOAT, 2L * i);
    }

    /**
     * @param i an argument's position.
     * @return it, a {@code double}.
     */
    public double f64At(final int i)
    {
        check(i, F64);
        return values.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
    }

    int sizeAt(final int i)
    {
        return kinds[i] == I32 || kinds[i] == F32 ? 4 : 8;
    }

    MemorySegment params()
    {
        return params;
    }

    private int next(final byte kind)
    {
        if (count == kinds.length)
        {
            throw new IllegalStateException("more than " + kinds.length + " kernel arguments");
        }
        kinds[count] = kind;
        return count++;
    }

    private void check(final int i, final byte kind)
    {
        if (i < 0 || i >= count)
        {
            throw new IndexOutOfBoundsException("argument " + i + " of " + count);
        }
        if (kinds[i] != kind)
        {
            throw new IllegalArgumentException("argument " + i + " is not of the kind asked for");
        }
    }
}
