package dev.cell.enzyme;

/**
 * A grid or block shape, as in CUDA: each side at least 1.
 *
 * @param x first side.
 * @param y second side.
 * @param z third side.
 * @since 0.1
 */
public record Dim(int x, int y, int z)
{
    /**
     * @throws IllegalArgumentException when a side is below 1.
     */
    public Dim
    {
        if (x < 1 || y < 1 || z < 1)
        {
            throw new IllegalArgumentException("every side of a grid or block is at least 1: " + x + "x" + y + "x" + z);
        }
    }

    /**
     * @param x the only side.
     * @return a one-dimensional shape.
     */
    public static Dim of(final int x)
    {
        return new Dim(x, 1, 1);
    }

    /**
     * @param x first side.
     * @param y second side.
     * @return a two-dimensional shape.
     */
    public static Dim of(final int x, final int y)
    {
        return new Dim(x, y, 1);
    }

    /**
     * @param n     how many items.
     * @param perOne how many one block (or thread) covers.
     * @return the blocks needed to cover {@code n}, at least 1.
     */
    public static int cover(final long n, final int perOne)
    {
        return (int)Math.max(1, (n + perOne - 1) / perOne);
    }
}
