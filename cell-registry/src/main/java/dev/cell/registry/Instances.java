package dev.cell.registry;

import java.util.List;

/**
 * Live instances as this replica has applied them.
 *
 * @param appliedIndex  this replica's applied log index.
 * @param leaderStampMs the newest leader clock this replica applied (a digest comes every second): now minus this
 *                      bounds how stale the list is.
 * @param instances     the instances, by version, fingerprint and id.
 * @param next          where the next page starts (pass it as {@link Lookup#after()}); empty when this was the last.
 */
public record Instances(long appliedIndex, long leaderStampMs, List<InstanceInfo> instances, String next)
{
}
