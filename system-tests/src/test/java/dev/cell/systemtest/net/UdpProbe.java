package dev.cell.systemtest.net;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A UDP client for tests: sends {@code count} datagrams {@code "<prefix> <seq>"} to a target, one at a time, each
 * followed by a wait of up to the reply timeout for its echo (so the sender never floods a socket buffer, and lost
 * datagrams cost only the timeout), then, unless every echo is in, waits up to the linger time for late replies.
 * A reply counts when it equals a datagram that was sent; any other reply counts as mismatched. In-process through
 * {@link #run}, or as a process: {@code UdpProbe --target ADDR:PORT --count N --prefix P [--reply-timeout-ms T]
 * [--linger-ms L]}, which prints {@code probe sent=N received=R mismatched=M} and exits 0.
 */
public final class UdpProbe
{
    /**
     * What came back.
     *
     * @param sent       datagrams sent.
     * @param received   distinct datagrams echoed back unchanged.
     * @param mismatched replies that were not a datagram sent, or repeated one.
     */
    public record Result(int sent, int received, int mismatched)
    {
        @Override
        public String toString()
        {
            return "sent=" + sent + " received=" + received + " mismatched=" + mismatched;
        }
    }

    private UdpProbe()
    {
    }

    /**
     * Probe a target.
     *
     * @param target         where to send.
     * @param count          how many datagrams.
     * @param prefix         payload prefix (no spaces needed; a space and the sequence number follow).
     * @param replyTimeoutMs how long to wait for each echo before sending the next.
     * @param lingerMs       how long to wait for late replies after the last.
     * @return the counts.
     * @throws IOException if the socket fails.
     */
    public static Result run(
        final InetSocketAddress target, final int count, final String prefix, final long replyTimeoutMs,
        final long lingerMs) throws IOException
    {
        final Tally tally = new Tally(prefix, count);
        try (DatagramSocket socket = new DatagramSocket())
        {
            for (int seq = 0; seq < count; seq++)
            {
                final byte[] payload = payload(prefix, seq);
                socket.send(new DatagramPacket(payload, payload.length, target));
                final int sent = seq;
                receiveUntil(socket, tally, replyTimeoutMs, () -> tally.received.get(sent));
            }
            receiveUntil(socket, tally, lingerMs, () -> tally.received.cardinality() == count);
        }
        return new Result(count, tally.received.cardinality(), tally.mismatched);
    }

    private static void receiveUntil(
        final DatagramSocket socket, final Tally tally, final long timeoutMs, final BooleanSupplier done)
        throws IOException
    {
        final byte[] buffer = new byte[65_536];
        final DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done.getAsBoolean())
        {
            final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMs <= 0)
            {
                return;
            }
            socket.setSoTimeout((int)remainingMs);
            try
            {
                socket.receive(reply);
            }
            catch (final SocketTimeoutException ex)
            {
                return;
            }
            tally.add(reply);
            reply.setLength(buffer.length);
        }
    }

    /**
     * @param prefix the payload prefix.
     * @param seq    the sequence number.
     * @return the payload of datagram {@code seq}.
     */
    public static byte[] payload(final String prefix, final int seq)
    {
        return (prefix + " " + seq).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Replies so far.
     */
    private static final class Tally
    {
        private final String prefix;
        private final int count;
        private final BitSet received;
        private int mismatched;

        Tally(final String prefix, final int count)
        {
            this.prefix = prefix;
            this.count = count;
            received = new BitSet(count);
        }

        void add(final DatagramPacket reply)
        {
            final int seq = sequence(reply);
            if (seq < 0 || received.get(seq))
            {
                mismatched++;
            }
            else
            {
                received.set(seq);
            }
        }

        private int sequence(final DatagramPacket reply)
        {
            final String text = new String(
                reply.getData(), reply.getOffset(), reply.getLength(), StandardCharsets.US_ASCII);
            if (!text.startsWith(prefix + " "))
            {
                return -1;
            }
            try
            {
                final int seq = Integer.parseInt(text.substring(prefix.length() + 1));
                final byte[] actual = Arrays.copyOfRange(reply.getData(), reply.getOffset(), reply.getLength());
                return seq >= 0 && seq < count && Arrays.equals(payload(prefix, seq), actual) ? seq : -1;
            }
            catch (final NumberFormatException ex)
            {
                return -1;
            }
        }
    }

    /**
     * Run as a process; see the class comment for the arguments.
     *
     * @param args the arguments.
     * @throws Exception if the arguments are wrong or the socket fails.
     */
    public static void main(final String[] args) throws Exception
    {
        InetSocketAddress target = null;
        int count = 1;
        String prefix = "probe";
        long replyTimeoutMs = 1000;
        long lingerMs = 1000;
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            switch (args[i])
            {
                case "--target" -> target = UdpRelayArgs.address(args[i + 1]);
                case "--count" -> count = Integer.parseInt(args[i + 1]);
                case "--prefix" -> prefix = args[i + 1];
                case "--reply-timeout-ms" -> replyTimeoutMs = Long.parseLong(args[i + 1]);
                case "--linger-ms" -> lingerMs = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (target == null || args.length % 2 != 0)
        {
            throw new IllegalArgumentException("usage: UdpProbe --target ADDR:PORT --count N --prefix P " +
                "[--reply-timeout-ms T] [--linger-ms L]");
        }
        System.out.println("probe " + run(target, count, prefix, replyTimeoutMs, lingerMs));
        System.out.flush();
    }
}
