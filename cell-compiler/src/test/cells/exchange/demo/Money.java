package demo;

/**
 * An amount: units scaled by 10^-scale.
 */
record Money(long units, int scale)
{
}
