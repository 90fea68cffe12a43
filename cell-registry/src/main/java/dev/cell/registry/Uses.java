package dev.cell.registry;

import java.util.List;

/**
 * Recorded uses of a producer's handlers.
 *
 * @param uses by consumer, host and handler.
 */
public record Uses(List<UseEntry> uses)
{
}
