package dev.cell.runtime.service;

import dev.cell.runtime.transport.junction.ServerJunction;

/**
 * The instance's state of one client session: its transport, and what the handshake learnt. Used by the serving
 * thread only.
 */
final class ServerConnection
{
    final ServerJunction junction;
    final String name;
    final long attachedEpochMs;
    boolean welcomed;
    boolean closing;
    String closeReason;
    long clientPid;
    String clientName = "";
    long lastHeartbeatEpochMs;

    ServerConnection(final ServerJunction junction, final long nowEpochMs)
    {
        this.junction = junction;
        this.name = junction.name();
        this.attachedEpochMs = nowEpochMs;
        this.lastHeartbeatEpochMs = nowEpochMs;
    }

    void close(final String reason)
    {
        if (!closing)
        {
            closing = true;
            closeReason = reason;
        }
    }
}
