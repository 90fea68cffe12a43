package dev.cell.registry;

/**
 * @param added         false when the registry already agreed the same hash for this release.
 * @param recordedIndex the log index that first recorded it.
 */
public record ReleaseRecorded(boolean added, long recordedIndex)
{
}
