package dev.cell.examples.kv;

import java.util.List;

/**
 * A scan's result.
 *
 * @param entries in key order.
 */
public record Entries(List<Entry> entries)
{
}
