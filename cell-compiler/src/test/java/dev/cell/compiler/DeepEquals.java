package dev.cell.compiler;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Structural equality for wire values: records component by component, {@code byte[]} by content, lists element by
 * element, floats and doubles by their bits.
 */
public final class DeepEquals
{
    private DeepEquals()
    {
    }

    /**
     * @param a a value.
     * @param b another.
     * @return whether they are the same wire value.
     */
    public static boolean equal(final Object a, final Object b)
    {
        if (a == null || b == null)
        {
            return a == b;
        }
        if (a instanceof byte[] x && b instanceof byte[] y)
        {
            return Arrays.equals(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y)
        {
            if (x.size() != y.size())
            {
                return false;
            }
            for (int i = 0; i < x.size(); i++)
            {
                if (!equal(x.get(i), y.get(i)))
                {
                    return false;
                }
            }
            return true;
        }
        if (a.getClass().isRecord() && a.getClass() == b.getClass())
        {
            for (final RecordComponent c : a.getClass().getRecordComponents())
            {
                try
                {
                    c.getAccessor().setAccessible(true);
                    if (!equal(c.getAccessor().invoke(a), c.getAccessor().invoke(b)))
                    {
                        return false;
                    }
                }
                catch (final IllegalAccessException | InvocationTargetException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }
}
