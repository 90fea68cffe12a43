package demo;

import java.util.List;

/**
 * One of each supported wire type.
 */
record Everything(
    boolean flag, byte b, short s, char c, int i, long l, float f, double d, Side side, String text, byte[] bytes,
    Money money, List<Fill> fills, Extra extra)
{
}
