package dev.cell.raft;

/**
 * One member of a replica group that spans hosts, as {@link Replica#defineGroup} writes it.
 *
 * @param slot     the replica's number in the group (its Raft peer id is {@code r<slot>}).
 * @param host     the address its Raft port binds to and the others reach it at (an IP address or a host name).
 * @param port     its Raft port.
 * @param listener true for a listener: a non-voting member that keeps the full state, answers local reads and can
 *                 be promoted to a voter when a voter's host is gone.
 * @since 0.3
 */
public record GroupMember(int slot, String host, int port, boolean listener)
{
    /**
     * @throws IllegalArgumentException when the slot, host or port cannot be used.
     */
    public GroupMember
    {
        if (slot < 0 || slot > 999)
        {
            throw new IllegalArgumentException("slot must be 0-999: " + slot);
        }
        if (host == null || host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == ',' || c == '='))
        {
            throw new IllegalArgumentException("not a host: '" + host + "'");
        }
        if (port < 1 || port > 65_535)
        {
            throw new IllegalArgumentException("port must be 1-65535: " + port);
        }
    }
}
