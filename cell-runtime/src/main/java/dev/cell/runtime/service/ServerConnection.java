package dev.cell.runtime.service;

import dev.cell.runtime.transport.ServerEnd;

/**
 * The instance's state of one client session: its transport, and what the handshake learnt. Used by the serving
 * thread only.
 */
final class ServerConnection
{
    final ServerEnd end;
    final String name;
    final long attachedEpochMs;
    boolean welcomed;
    boolean admitted; // counted against the connection limit
    boolean closing;
    String closeReason;
    long clientPid;
    String clientName = "";
    long lastHeartbeatEpochMs;

    ServerConnection(final ServerEnd end, final long nowEpochMs)
    {
        this.end = end;
        this.name = end.name();
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
