package dev.cell.registry;

/**
 * A consumer use applied.
 *
 * @param handlers handlers recorded (0: the record was removed).
 */
public record UseRecorded(int handlers)
{
}
