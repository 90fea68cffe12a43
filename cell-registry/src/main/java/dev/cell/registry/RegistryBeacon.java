package dev.cell.registry;

import dev.cell.runtime.identity.Identity;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finding a member host on the LAN without configuration: a host that serves joins sends, every second, a small
 * datagram to a multicast group on one interface (TTL 1: it does not leave the link) naming its join endpoint and the
 * registry key, signed by that key; a joining host listens for one signed by the key it pinned (the one
 * {@code cell registry invite} printed) and joins there. The signature stops anyone from pointing a joiner (and its
 * token) elsewhere; the pinned key stops a valid beacon of another registry from doing so.
 * <p>
 * Datagrams are read defensively: at most {@link #MAX_BYTES}, exactly the expected lines, a well-formed endpoint and
 * key, a signature that verifies, a time within {@link #MAX_SKEW_MS} of the listener's clock.
 *
 * @since 0.3
 */
public final class RegistryBeacon implements AutoCloseable
{
    /**
     * The default group: administratively scoped (RFC 2365, organisation-local).
     */
    public static final String GROUP = "239.255.74.74";
    /**
     * The default port.
     */
    public static final int PORT = 7474;
    /**
     * The largest beacon read or sent.
     */
    public static final int MAX_BYTES = 1024;
    /**
     * How far a beacon's time may be from the listener's clock.
     */
    public static final long MAX_SKEW_MS = 60_000;

    private static final String MAGIC = "cell-registry-beacon 1";
    private static final Pattern ENDPOINT = Pattern.compile("[0-9A-Za-z.:\\[\\]-]{1,80}:[0-9]{1,5}");

    private final MulticastSocket socket;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * A beacon heard.
     *
     * @param endpoint the member's join endpoint.
     * @param key      the registry key that signed it.
     * @param from     who sent it.
     */
    public record Heard(String endpoint, String key, String from)
    {
    }

    private RegistryBeacon(final MulticastSocket socket, final InetSocketAddress group, final Identity identity,
        final String endpoint, final Duration every)
    {
        this.socket = socket;
        this.thread = Thread.ofPlatform().daemon(true).name("registry-beacon").start(() ->
        {
            while (!closed)
            {
                try
                {
                    final byte[] payload = payload(identity, endpoint, System.currentTimeMillis()); // signed now
                    socket.send(new DatagramPacket(payload, payload.length, group));
                    Thread.sleep(every.toMillis());
                }
                catch (final IOException ex)
                {
                    if (closed)
                    {
                        return;
                    }
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        });
    }

    /**
     * Start sending beacons.
     *
     * @param identity  the registry key (signs each beacon).
     * @param endpoint  the join endpoint to announce ({@code host:port}).
     * @param via       the address of the interface to send on (the one the join endpoint is bound to).
     * @param group     the multicast group and port.
     * @param every     how often.
     * @return the running beacon; close it to stop.
     * @throws IOException when the interface cannot send multicast.
     */
    public static RegistryBeacon start(final Identity identity, final String endpoint, final InetAddress via,
        final InetSocketAddress group, final Duration every) throws IOException
    {
        final MulticastSocket socket = new MulticastSocket(new InetSocketAddress(via, 0));
        try
        {
            socket.setNetworkInterface(NetworkInterface.getByInetAddress(via));
            socket.setTimeToLive(1);
            payload(identity, endpoint, 0); // the endpoint is one
            return new RegistryBeacon(socket, group, identity, endpoint, every);
        }
        catch (final IOException | RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
    }

    /**
     * The signed text of a beacon: its lines, then the signature over them.
     *
     * @param identity the registry key.
     * @param endpoint the join endpoint.
     * @param nowMs    its time.
     * @return the datagram.
     */
    static byte[] payload(final Identity identity, final String endpoint, final long nowMs)
    {
        if (!ENDPOINT.matcher(endpoint).matches())
        {
            throw new IllegalArgumentException("not an endpoint: " + endpoint);
        }
        final String signed = MAGIC + "\n" + endpoint + "\n" + identity.publicId() + "\n" + nowMs + "\n";
        final String text = signed + Base64.getUrlEncoder().withoutPadding().encodeToString(identity.sign(
            signed.getBytes(StandardCharsets.UTF_8))) + "\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param bytes a datagram.
     * @param nowMs the listener's clock.
     * @return what it says when it is a well-formed beacon whose signature verifies, else null.
     */
    static Heard parse(final byte[] bytes, final int length, final long nowMs, final String from)
    {
        if (length <= 0 || length > MAX_BYTES)
        {
            return null;
        }
        final String[] lines = new String(bytes, 0, length, StandardCharsets.UTF_8).split("\n", -1);
        if (lines.length != 6 || !lines[0].equals(MAGIC) || !lines[5].isEmpty() ||
            !ENDPOINT.matcher(lines[1]).matches() || !Identity.isPublicId(lines[2]))
        {
            return null;
        }
        final long at;
        final byte[] signature;
        try
        {
            at = Long.parseLong(lines[3]);
            signature = Base64.getUrlDecoder().decode(lines[4]);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
        final String signed = lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\n";
        if (Math.abs(nowMs - at) > MAX_SKEW_MS ||
            !Identity.verify(lines[2], signed.getBytes(StandardCharsets.UTF_8), signature))
        {
            return null;
        }
        return new Heard(lines[1], lines[2], from);
    }

    /**
     * Listen on one interface for beacons until one signed by {@code key} is heard or the time is up.
     *
     * @param via     the address of the interface to listen on.
     * @param group   the multicast group and port.
     * @param key     the registry key to accept; null: any (to list what the link announces).
     * @param timeout how long to listen.
     * @return the distinct beacons heard (with {@code key}: at most the first that matches).
     * @throws IOException when the interface cannot join the group.
     */
    public static List<Heard> listen(final InetAddress via, final InetSocketAddress group, final String key,
        final Duration timeout) throws IOException
    {
        final Map<String, Heard> heard = new LinkedHashMap<>();
        final NetworkInterface nic = NetworkInterface.getByInetAddress(via);
        try (MulticastSocket socket = new MulticastSocket(group.getPort()))
        {
            socket.joinGroup(group, nic);
            final byte[] buffer = new byte[MAX_BYTES + 1];
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (true)
            {
                final long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
                if (leftMs <= 0)
                {
                    return new ArrayList<>(heard.values());
                }
                socket.setSoTimeout((int)Math.max(1, leftMs));
                final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try
                {
                    socket.receive(packet);
                }
                catch (final SocketTimeoutException ex)
                {
                    return new ArrayList<>(heard.values());
                }
                final Heard h = parse(packet.getData(), packet.getLength(), System.currentTimeMillis(),
                    packet.getAddress().getHostAddress());
                if (h != null && (key == null || key.equals(h.key())))
                {
                    heard.putIfAbsent(h.key() + " " + h.endpoint(), h);
                    if (key != null)
                    {
                        return new ArrayList<>(heard.values());
                    }
                }
            }
        }
    }

    @Override
    public void close()
    {
        closed = true;
        thread.interrupt();
        socket.close();
    }
}
