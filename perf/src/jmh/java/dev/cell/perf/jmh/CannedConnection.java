package dev.cell.perf.jmh;

import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.Dispatcher;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * A benchmark-only {@link CellConnection} that <b>replaces the junction</b>, so a microbenchmark measures only the
 * generated code: it hands each request to a generated {@link Dispatcher} in this thread and copies the reply into
 * the caller's {@link Reply}. It also keeps a copy of the last request, so a benchmark can get an encoded request
 * to feed a dispatcher with.
 */
final class CannedConnection implements CellConnection
{
    private final String cell;
    private final Genome genome;
    private final Dispatcher dispatcher;
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
    private final ExpandableArrayBuffer lastRequest = new ExpandableArrayBuffer(256);
    private int lastRequestLength;

    CannedConnection(final String cell, final Genome genome, final Dispatcher dispatcher)
    {
        this.cell = cell;
        this.genome = genome;
        this.dispatcher = dispatcher;
    }

    @Override
    public String cell()
    {
        return cell;
    }

    @Override
    public String instanceId()
    {
        return cell + "-benchmark";
    }

    @Override
    public long remoteFingerprint()
    {
        return genome.fingerprintValue();
    }

    private final dev.cell.runtime.client.ClientSession session = dev.cell.runtime.client.ClientSession.create();

    @Override
    public dev.cell.runtime.client.ClientSession session()
    {
        return session;
    }

    @Override
    public Genome genome()
    {
        return genome;
    }

    @Override
    public void call(final DirectBuffer request, final int offset, final int length, final Reply into)
    {
        lastRequest.putBytes(0, request, offset, length);
        lastRequestLength = length;
        final int replyLength = dispatcher.dispatch(request, offset, length, out, 0);
        into.set(out, 0, Math.abs(replyLength), replyLength < 0);
    }

    @Override
    public CompletableFuture<Reply> callAsync(final DirectBuffer request, final int offset, final int length)
    {
        final Reply reply = new Reply();
        call(request, offset, length, reply);
        return CompletableFuture.completedFuture(reply);
    }

    /**
     * @return the last request's bytes (header first, at offset 0).
     */
    MutableDirectBuffer lastRequest()
    {
        return lastRequest;
    }

    /**
     * @return the last request's length.
     */
    int lastRequestLength()
    {
        return lastRequestLength;
    }

    @Override
    public boolean isOpen()
    {
        return true;
    }

    @Override
    public void close()
    {
    }
}
