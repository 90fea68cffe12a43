package dev.cell.raft;

import dev.cell.runtime.service.AsyncDispatcher;
import dev.cell.runtime.service.Envelope;
import dev.cell.runtime.service.Dispatcher;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Sits between the junction server and the cell's generated dispatcher on one replica. Commands become log entries
 * carrying the caller's client session and sequence from the request envelope (sent through this replica's Raft
 * client, which follows the leader: callers reach any replica and never see leader changes; a retry through another
 * replica under the same sequence applies once); linearizable queries go through a read index on this replica; stale
 * queries and unknown template ids are dispatched locally at once. A command the group refuses (session expired, not
 * a command of this cell) is answered with {@code Completion.refuse}: the caller gets {@code Rejected}. On the leader,
 * commands with a session and linearizable queries go straight into the local Ratis server (see
 * {@code Forwarder.submitCommand}).
 */
final class ReplicatedDispatcher implements AsyncDispatcher
{
    private final Replica replica;
    private final HandlerTable table;
    private final Dispatcher local;
    private final EntryAuth auth;

    ReplicatedDispatcher(final Replica replica, final HandlerTable table, final Dispatcher local, final byte[] groupKey)
    {
        this.replica = replica;
        this.table = table;
        this.local = local;
        this.auth = EntryAuth.of(groupKey); // used by the serving thread only
    }

    @Override
    public int dispatch(
        final DirectBuffer buffer, final int offset, final int length, final MutableDirectBuffer out,
        final int outOffset)
    {
        return local.dispatch(buffer, offset, length, out, outOffset);
    }

    @Override
    public boolean dispatchAsync(
        final DirectBuffer buffer, final int offset, final int length, final Envelope envelope,
        final Completion completion)
    {
        if (length < 8)
        {
            return false;
        }
        final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int kind = table.kind(templateId);
        switch (kind)
        {
            case HandlerTable.COMMAND ->
            {
                // Leader time and session window (bytes 1..12) are written by the leader (startTransaction).
                final byte[] entry = new byte[CellStateMachine.ENTRY_HEADER + length + EntryAuth.TAG_LENGTH];
                final UnsafeBuffer e = new UnsafeBuffer(entry);
                e.putByte(0, CellStateMachine.ENTRY_COMMAND);
                e.putLong(13, envelope.sessionHigh(), ByteOrder.LITTLE_ENDIAN);
                e.putLong(21, envelope.sessionLow(), ByteOrder.LITTLE_ENDIAN);
                e.putLong(29, envelope.sequence(), ByteOrder.LITTLE_ENDIAN);
                buffer.getBytes(offset, entry, CellStateMachine.ENTRY_HEADER, length);
                auth.sign(entry);
                complete(replica.submitCommand(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)),
                    envelope.sessionHigh() * 31 + envelope.sessionLow(), envelope.sequence() != 0), completion);
                return true;
            }
            case HandlerTable.QUERY ->
            {
                final byte[] frame = new byte[length];
                buffer.getBytes(offset, frame);
                complete(replica.submitQuery(Message.valueOf(UnsafeByteOperations.unsafeWrap(frame))), completion);
                return true;
            }
            default ->
            {
                return false;
            }
        }
    }

    private static void complete(final CompletableFuture<RaftClientReply> future, final Completion completion)
    {
        future.whenComplete((reply, error) ->
        {
            if (error != null)
            {
                final Throwable cause = error instanceof CompletionException && error.getCause() != null ?
                    error.getCause() : error;
                final String refused = refusal(cause);
                if (refused != null)
                {
                    completion.refuse(refused);
                    return;
                }
                completion.fail(true, "the replica group did not commit the request: " + cause);
                return;
            }
            if (!reply.isSuccess())
            {
                final String refused = refusal(reply.getException());
                if (refused != null)
                {
                    completion.refuse(refused);
                    return;
                }
                completion.fail(true, "the replica group refused the request: " + reply.getException());
                return;
            }
            final ByteString content = reply.getMessage().getContent();
            if (content.isEmpty())
            {
                completion.fail(false, "the replica group returned an empty reply");
                return;
            }
            final byte status = content.byteAt(0);
            if (status == CellStateMachine.FAILED)
            {
                completion.fail(false, content.substring(1).toString(StandardCharsets.UTF_8));
                return;
            }
            if (status == CellStateMachine.REFUSED)
            {
                completion.refuse(content.substring(1).toString(StandardCharsets.UTF_8));
                return;
            }
            final byte[] bytes = content.toByteArray();
            completion.reply(new UnsafeBuffer(bytes), 1, bytes.length - 1, status == CellStateMachine.APP_ERROR);
        });
    }

    /**
     * @return the leader's reason when it refused the entry before logging it (startTransaction), else null.
     */
    private static String refusal(final Throwable error)
    {
        for (Throwable t = error; t != null; t = t.getCause())
        {
            final String message = t.getMessage();
            final int at = message == null ? -1 : message.indexOf(CellStateMachine.REFUSED_PREFIX);
            if (at >= 0)
            {
                return "the leader refused the command: " +
                    message.substring(at + CellStateMachine.REFUSED_PREFIX.length());
            }
            if (t.getCause() == t)
            {
                break;
            }
        }
        return null;
    }
}
