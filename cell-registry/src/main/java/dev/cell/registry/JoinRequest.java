package dev.cell.registry;

/**
 * A host asks to join the registry as a listener.
 *
 * @param token the one-time token a member host's {@code cell registry invite} printed.
 * @param host  the address the other hosts reach the joiner's Raft port at.
 * @param port  its Raft port.
 */
public record JoinRequest(String token, String host, int port)
{
}
