package dev.cell.runtime.client;

import dev.cell.runtime.genome.Genome;
import org.agrona.DirectBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * Unit-test stand-in for a connection: open or closed, nothing else.
 */
final class StubConnection implements CellConnection
{
    boolean open = true;

    @Override
    public String cell()
    {
        return "stub";
    }

    @Override
    public String instanceId()
    {
        return "stub";
    }

    @Override
    public long remoteFingerprint()
    {
        return 0;
    }

    @Override
    public Genome genome()
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public ClientSession session()
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public void call(final DirectBuffer request, final int offset, final int length, final Reply into)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<Reply> callAsync(final DirectBuffer request, final int offset, final int length)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isOpen()
    {
        return open;
    }

    @Override
    public void close()
    {
        open = false;
    }
}
