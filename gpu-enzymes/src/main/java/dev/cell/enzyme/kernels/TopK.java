package dev.cell.enzyme.kernels;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The k best of a row of scores, best first (ties: the lower row first), into caller-owned arrays: a bounded
 * min-heap, then a sort of the k. No allocation.
 *
 * @since 0.1
 */
public final class TopK
{
    private TopK()
    {
    }

    /**
     * @param scores    {@code count x rows} floats.
     * @param rows      scores per query.
     * @param query     which query.
     * @param k         how many to keep, at least 1.
     * @param outRows   receives the rows at {@code [query * k, query * k + k)}; -1 where fewer than k rows exist.
     * @param outScores receives their scores at the same places (NaN where none).
     */
    public static void select(final MemorySegment scores, final int rows, final int query, final int k,
        final int[] outRows, final float[] outScores)
    {
        final int base = query * k;
        final long first = (long)query * rows;
        int size = 0;
        for (int r = 0; r < rows; r++)
        {
            final float s = scores.getAtIndex(JAVA_FLOAT, first + r);
            if (s != s)
            {
                continue; // NaN never ranks
            }
            if (size < k)
            {
                outRows[base + size] = r;
                outScores[base + size] = s;
                up(outRows, outScores, base, size++);
            }
            else if (worse(outScores[base], outRows[base], s, r))
            {
                outRows[base] = r;
                outScores[base] = s;
                down(outRows, outScores, base, size);
            }
        }
        // heap sort: repeatedly move the worst to the end, leaving best first
        for (int n = size - 1; n > 0; n--)
        {
            swap(outRows, outScores, base, base + n);
            down(outRows, outScores, base, n);
        }
        for (int i = size; i < k; i++)
        {
            outRows[base + i] = -1;
            outScores[base + i] = Float.NaN;
        }
    }

    /** True when (sa, ra) ranks below (sb, rb). */
    private static boolean worse(final float sa, final int ra, final float sb, final int rb)
    {
        return sa < sb || (sa == sb && ra > rb);
    }

    private static void up(final int[] rows, final float[] scores, final int base, final int at)
    {
        int i = at;
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            if (!worse(scores[base + i], rows[base + i], scores[base + parent], rows[base + parent]))
            {
                return;
            }
            swap(rows, scores, base + i, base + parent);
            i = parent;
        }
    }

    private static void down(final int[] rows, final float[] scores, final int base, final int size)
    {
        int i = 0;
        while (true)
        {
            final int l = 2 * i + 1;
            if (l >= size)
            {
                return;
            }
            int least = l;
            if (l + 1 < size && worse(scores[base + l + 1], rows[base + l + 1], scores[base + l], rows[base + l]))
            {
                least = l + 1;
            }
            if (!worse(scores[base + least], rows[base + least], scores[base + i], rows[base + i]))
            {
                return;
            }
            swap(rows, scores, base + i, base + least);
            i = least;
        }
    }

    private static void swap(final int[] rows, final float[] scores, final int a, final int b)
    {
        final int r = rows[a];
        rows[a] = rows[b];
        rows[b] = r;
        final float s = scores[a];
        scores[a] = scores[b];
        scores[b] = s;
    }
}
