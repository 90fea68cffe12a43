package dev.cell.perf.suite;

import dev.cell.runtime.bench.Probe;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Aeron IPC ping-pong between two processes: the serving process embeds the media driver (one shared driver thread
 * that backs off from spinning to yielding to parking up to 1 ms, so it is never a busy spinner), both processes
 * are Aeron clients on {@code aeron:ipc} (or, for the UDP row, on two loopback UDP endpoints through the same
 * driver: the one-driver-per-host topology), each side polls its subscription with its {@link Wait}.
 */
final class AeronIpc
{
    static final String CHANNEL = "aeron:ipc";
    static final int PING_STREAM = 1001;
    static final int PONG_STREAM = 1002;
    static final int TERM_LENGTH = 4 * 1024 * 1024;
    static final String DRIVER_PROFILE = "driver SHARED back-off";

    private AeronIpc()
    {
    }

    static void serve(final String aeronDir, final Wait mode)
    {
        serve(aeronDir, mode, CHANNEL, CHANNEL);
    }

    /**
     * @param pingChannel where requests arrive ({@code aeron:ipc}, or {@code aeron:udp?endpoint=127.0.0.1:port}).
     * @param pongChannel where replies go.
     */
    static void serve(final String aeronDir, final Wait mode, final String pingChannel, final String pongChannel)
    {
        final Wait.Waiter wait = mode.newWaiter();
        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000))
            .ipcTermBufferLength(TERM_LENGTH)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true);
        final MediaDriver driver = MediaDriver.launch(driverContext);
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            aeron.close();
            driver.close();
        }));
        final ExclusivePublication pong = aeron.addExclusivePublication(pongChannel, PONG_STREAM);
        final Subscription ping = aeron.addSubscription(pingChannel, PING_STREAM);
        final FragmentHandler echo = (buffer, offset, length, header) ->
        {
            while (pong.offer(buffer, offset, length) < 0)
            {
                wait.idle();
            }
        };
        Peer.ready("");
        while (true)
        {
            if (ping.poll(echo, 1) == 0)
            {
                wait.idle();
            }
            else
            {
                wait.reset();
            }
        }
    }

    /**
     * The measuring side, an Aeron client of the peer's embedded driver.
     */
    static final class AeronProbe implements Probe, FragmentHandler, AutoCloseable
    {
        private final Aeron aeron;
        private final ExclusivePublication ping;
        private final Subscription pong;
        private final Wait.Waiter wait;
        private final UnsafeBuffer message = new UnsafeBuffer(new byte[ComparisonSuite.MESSAGE_BYTES]);
        private long sequence;
        private long received;

        AeronProbe(final String aeronDir, final Wait wait, final Duration timeout) throws TimeoutException
        {
            this(aeronDir, wait, timeout, CHANNEL, CHANNEL);
        }

        AeronProbe(final String aeronDir, final Wait wait, final Duration timeout, final String pingChannel,
            final String pongChannel) throws TimeoutException
        {
            this.wait = wait.newWaiter();
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
            ping = aeron.addExclusivePublication(pingChannel, PING_STREAM);
            pong = aeron.addSubscription(pongChannel, PONG_STREAM);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!ping.isConnected() || !pong.isConnected())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    close();
                    throw new TimeoutException("Aeron peer (" + pingChannel + ") not connected within " + timeout);
                }
                Thread.yield();
            }
        }

        @Override
        public void call()
        {
            final long s = ++sequence;
            message.putLong(0, s);
            wait.reset();
            while (ping.offer(message, 0, ComparisonSuite.MESSAGE_BYTES) < 0)
            {
                wait.idle();
            }
            wait.reset();
            while (pong.poll(this, 1) == 0)
            {
                wait.idle();
            }
            if (received != s)
            {
                throw new IllegalStateException("Aeron: got reply " + received + " for request " + s);
            }
        }

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            received = buffer.getLong(offset);
        }

        @Override
        public void close()
        {
            aeron.close();
        }
    }
}
