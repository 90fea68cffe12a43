package dev.cell.compiler;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.UnknownHandlerException;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A unit-test-only {@link CellConnection} that <b>replaces the junction</b>: it hands each request straight to a
 * generated {@link Dispatcher} in this process and copies the dispatcher's reply into the caller's {@link Reply},
 * mapping what the real runtime maps (an undeclared exception becomes {@link CellException.HandlerFailed}, an unknown
 * handler {@link CellException.Rejected}). Async calls complete on a separate thread, as they would when the reply
 * arrives on the junction.
 */
public final class InMemoryConnection implements CellConnection
{
    private final String cell;
    private final Genome genome;
    private final Dispatcher dispatcher;
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
    private final ExecutorService replies = Executors.newSingleThreadExecutor(r ->
    {
        final Thread thread = new Thread(r, "in-memory-replies");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param binding the generated binding of the cell to serve.
     * @param <T>     the cell class.
     */
    public <T> InMemoryConnection(final CellBinding<T> binding)
    {
        this.cell = binding.cellName();
        this.genome = binding.genome();
        this.dispatcher = binding.dispatcher(binding.newCell());
    }

    @Override
    public String cell()
    {
        return cell;
    }

    @Override
    public String instanceId()
    {
        return cell + "-in-memory";
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
    public synchronized void call(final DirectBuffer request, final int offset, final int length, final Reply into)
    {
        final int replyLength;
        try
        {
            replyLength = dispatcher.dispatch(request, offset, length, out, 0);
        }
        catch (final UnknownHandlerException ex)
        {
            throw new CellException.Rejected(cell, ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            throw new CellException.HandlerFailed(cell, "handler threw " + ex);
        }
        into.set(out, 0, Math.abs(replyLength), replyLength < 0);
    }

    @Override
    public CompletableFuture<Reply> callAsync(final DirectBuffer request, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        request.getBytes(offset, copy);
        return CompletableFuture.supplyAsync(() ->
        {
            final Reply reply = new Reply();
            call(new UnsafeBuffer(copy), 0, length, reply);
            return reply;
        }, replies);
    }

    @Override
    public boolean isOpen()
    {
        return true;
    }

    @Override
    public void close()
    {
        replies.shutdownNow();
    }
}
