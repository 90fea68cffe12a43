package dev.cell.raft.fragile;

/**
 * @param found whether the key exists.
 * @param text  its text.
 */
public record Text(boolean found, String text)
{
}
