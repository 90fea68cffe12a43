package dev.cell.perf.suite;

import dev.cell.runtime.transport.axon.AxonMedia;
import dev.cell.runtime.transport.axon.WarmIdleStrategy;
import dev.cell.tools.bench.Probe;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Aeron ping-pong between two processes, each side polling its subscription with its {@link Wait}.
 * <ul>
 * <li>IPC: the serving process embeds the media driver (one shared driver thread that backs off from spinning to
 * yielding to parking up to 1 ms, so it is never a busy spinner) and both processes are its clients on
 * {@code aeron:ipc}.</li>
 * <li>UDP: two loopback UDP endpoints (one each way) and <em>one embedded driver per process</em>, configured as
 * Cell's axon configures its own ({@link AxonMedia}): {@code SHARED} threading, {@link WarmIdleStrategy}, the same
 * sparse publication terms. It is the raw baseline the axon rows are divided by, so everything but Cell's own work
 * (session, encryption, envelope, dispatch) is the same.</li>
 * </ul>
 */
final class AeronIpc
{
    static final String CHANNEL = "aeron:ipc";
    static final int PING_STREAM = 1001;
    static final int PONG_STREAM = 1002;
    static final int TERM_LENGTH = 4 * 1024 * 1024;
    static final String DRIVER_PROFILE = "driver SHARED back-off";
    static final String UDP_DRIVER_PROFILE = "a driver per process, SHARED, warm idle (eco)";

    private AeronIpc()
    {
    }

    /**
     * @param aeronDir the folder of the driver both processes use.
     * @return the IPC row's driver: SHARED, backing off up to 1 ms.
     */
    static MediaDriver launchIpcDriver(final String aeronDir)
    {
        return MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000))
            .ipcTermBufferLength(TERM_LENGTH)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
    }

    /**
     * @param aeronDir this process's own driver folder.
     * @return the UDP row's driver, set up like {@link AxonMedia}'s under {@code eco}.
     */
    static MediaDriver launchUdpDriver(final String aeronDir)
    {
        return MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new WarmIdleStrategy())
            .termBufferSparseFile(true)
            .publicationTermBufferLength(AxonMedia.TERM_LENGTH)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
    }

    static void serve(final String aeronDir, final Wait mode)
    {
        serve(launchIpcDriver(aeronDir), false, mode, CHANNEL, CHANNEL);
    }

    /**
     * Serve the UDP row with this process's own driver.
     *
     * @param aeronDir    this process's driver folder.
     * @param pingChannel where requests arrive ({@code aeron:udp?endpoint=127.0.0.1:port}).
     * @param pongChannel where replies go.
     */
    static void serveUdp(final String aeronDir, final Wait mode, final String pingChannel, final String pongChannel)
    {
        serve(launchUdpDriver(aeronDir), true, mode, pingChannel, pongChannel);
    }

    private static void serve(
        final MediaDriver driver, final boolean udp, final Wait mode, final String pingChannel,
        final String pongChannel)
    {
        final Wait.Waiter wait = mode.newWaiter();
        final Aeron aeron = connect(driver.aeronDirectoryName(), udp);
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
     * @param ownDriver true for the UDP row: its client conductor idles like the axon's (10 ms sleeps), else
     *                  Aeron's default.
     */
    private static Aeron connect(final String aeronDir, final boolean ownDriver)
    {
        final Aeron.Context context = new Aeron.Context().aeronDirectoryName(aeronDir);
        return Aeron.connect(ownDriver ? context.idleStrategy(new SleepingMillisIdleStrategy(10)) : context);
    }

    /**
     * The measuring side: an Aeron client of the peer's embedded driver (IPC), or of its own (UDP).
     */
    static final class AeronProbe implements Probe, FragmentHandler, AutoCloseable
    {
        private final MediaDriver ownDriver;
        private final Aeron aeron;
        private final ExclusivePublication ping;
        private final Subscription pong;
        private final Wait.Waiter wait;
        private final UnsafeBuffer message = new UnsafeBuffer(new byte[ComparisonSuite.MESSAGE_BYTES]);
        private long sequence;
        private long received;

        AeronProbe(final String aeronDir, final Wait wait, final Duration timeout) throws TimeoutException
        {
            this(null, aeronDir, wait, timeout, CHANNEL, CHANNEL);
        }

        private AeronProbe(final MediaDriver ownDriver, final String aeronDir, final Wait wait,
            final Duration timeout, final String pingChannel, final String pongChannel) throws TimeoutException
        {
            this.ownDriver = ownDriver;
            this.wait = wait.newWaiter();
            aeron = connect(aeronDir, ownDriver != null);
            ping = aeron.addExclusivePublication(pingChannel, PING_STREAM);
            pong = aeron.addSubscription(pongChannel, PONG_STREAM);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!ping.isConnected() || !pong.isConnected())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    aeron.close();
                    throw new TimeoutException("Aeron peer (" + pingChannel + ") not connected within " + timeout);
                }
                Thread.yield();
            }
        }

        /**
         * The UDP row's measuring side, with a driver of its own in {@code ownDir}.
         */
        static AeronProbe udp(final String ownDir, final Wait wait, final Duration timeout, final String pingChannel,
            final String pongChannel) throws TimeoutException
        {
            final MediaDriver driver = launchUdpDriver(ownDir);
            try
            {
                return new AeronProbe(driver, driver.aeronDirectoryName(), wait, timeout, pingChannel, pongChannel);
            }
            catch (final RuntimeException | TimeoutException ex)
            {
                driver.close();
                throw ex;
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
            try
            {
                aeron.close();
            }
            finally
            {
                if (ownDriver != null)
                {
                    ownDriver.close();
                }
            }
        }
    }
}
