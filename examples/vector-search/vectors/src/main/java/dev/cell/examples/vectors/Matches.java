package dev.cell.examples.vectors;

import java.util.List;

/**
 * The results of a batch: per query its k best (fewer when the index holds fewer), query by query, best first.
 *
 * @param matches the results.
 */
public record Matches(List<Match> matches)
{
}
