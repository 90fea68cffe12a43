package dev.cell.examples.kv;

import java.util.List;

/**
 * Changes read from the journal.
 *
 * @param changes   in log order.
 * @param lastIndex the last log index looked at: pass it as {@code afterIndex} to continue.
 */
public record Changes(List<Change> changes, long lastIndex)
{
}
