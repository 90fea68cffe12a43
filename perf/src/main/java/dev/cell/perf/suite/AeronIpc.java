package dev.cell.perf.suite;

import dev.cell.runtime.transport.axon.AxonMedia;
import dev.cell.runtime.transport.axon.AxonPace;
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
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Aeron ping-pong between two processes, each side polling its subscription with its {@link Wait}.
 * <ul>
 * <li>IPC: the serving process embeds the media driver (one shared driver thread that backs off from spinning to
 * yielding to parking up to 1 ms, so it is never a busy spinner) and both processes are its clients on
 * {@code aeron:ipc}.</li>
 * <li>UDP: two loopback UDP endpoints (one each way) and <em>the axon's own driver in each process</em>
 * ({@link AxonMedia}: the same threading — {@code INVOKER} by default, the waiting loops run the driver through
 * {@link AxonMedia#duty()} exactly as the axon's do — the same idle pace and the same sparse terms). It is the raw
 * baseline the axon rows are divided by, so everything but Cell's own work (session, encryption, envelope,
 * dispatch) is the same.</li>
 * </ul>
 */
final class AeronIpc
{
    static final String CHANNEL = "aeron:ipc";
    static final int PING_STREAM = 1001;
    static final int PONG_STREAM = 1002;
    static final int TERM_LENGTH = 4 * 1024 * 1024;
    static final String DRIVER_PROFILE = "driver SHARED back-off";
    static final String UDP_DRIVER_PROFILE = "a driver per process, " +
        (AxonMedia.INVOKED ? "run by the waiting threads (INVOKER)" : "SHARED") + ", warm idle (eco)";

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

    static void serve(final String aeronDir, final Wait mode)
    {
        final MediaDriver driver = launchIpcDriver(aeronDir);
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            aeron.close();
            driver.close();
        }));
        serve(aeron, null, mode, CHANNEL, CHANNEL);
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
        final AxonMedia media = AxonMedia.acquire();
        Runtime.getRuntime().addShutdownHook(new Thread(media::release));
        serve(media.aeron(), media, mode, pingChannel, pongChannel);
    }

    private static void serve(
        final Aeron aeron, final AxonMedia media, final Wait mode, final String pingChannel, final String pongChannel)
    {
        final Wait.Waiter wait = mode.newWaiter();
        final ExclusivePublication pong = aeron.addExclusivePublication(pongChannel, PONG_STREAM);
        final Subscription ping = aeron.addSubscription(pingChannel, PING_STREAM);
        final AxonPace pace = new AxonPace();
        final FragmentHandler echo = (buffer, offset, length, header) ->
        {
            pace.traffic(System.nanoTime()); // as the axon's ends do: a SHARED driver goes by the process's frames
            while (pong.offer(buffer, offset, length) < 0)
            {
                duty(media);
                wait.idle();
            }
        };
        Peer.ready("");
        while (true)
        {
            duty(media);
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

    private static void duty(final AxonMedia media)
    {
        if (media != null)
        {
            media.duty();
        }
    }

    /**
     * The measuring side: an Aeron client of the peer's embedded driver (IPC), or of its own (UDP).
     */
    static final class AeronProbe implements Probe, FragmentHandler, AutoCloseable
    {
        private final AxonMedia media;
        private final AxonPace pace = new AxonPace();
        private final Aeron aeron;
        private final ExclusivePublication ping;
        private final Subscription pong;
        private final Wait.Waiter wait;
        private final UnsafeBuffer message = new UnsafeBuffer(new byte[ComparisonSuite.MESSAGE_BYTES]);
        private long sequence;
        private long received;

        AeronProbe(final String aeronDir, final Wait wait, final Duration timeout) throws TimeoutException
        {
            this(null, Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir)), wait, timeout, CHANNEL,
                CHANNEL);
        }

        private AeronProbe(final AxonMedia media, final Aeron aeron, final Wait wait, final Duration timeout,
            final String pingChannel, final String pongChannel) throws TimeoutException
        {
            this.media = media;
            this.wait = wait.newWaiter();
            this.aeron = aeron;
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
                duty(media);
                Thread.yield();
            }
        }

        /**
         * The UDP row's measuring side, on this process's axon driver.
         */
        static AeronProbe udp(final Wait wait, final Duration timeout, final String pingChannel,
            final String pongChannel) throws TimeoutException
        {
            final AxonMedia media = AxonMedia.acquire();
            return new AeronProbe(media, media.aeron(), wait, timeout, pingChannel, pongChannel);
        }

        @Override
        public void call()
        {
            final long s = ++sequence;
            message.putLong(0, s);
            wait.reset();
            while (ping.offer(message, 0, ComparisonSuite.MESSAGE_BYTES) < 0)
            {
                duty(media);
                wait.idle();
            }
            wait.reset();
            while (true)
            {
                duty(media);
                if (pong.poll(this, 1) > 0)
                {
                    break;
                }
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
            pace.traffic(System.nanoTime());
            received = buffer.getLong(offset);
        }

        @Override
        public void close()
        {
            if (media != null)
            {
                media.release(); // the media owns its client
            }
            else
            {
                aeron.close();
            }
        }
    }
}
