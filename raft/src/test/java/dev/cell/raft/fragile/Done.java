package dev.cell.raft.fragile;

/**
 * @param index the log index of the write.
 */
public record Done(long index)
{
}
