package dev.cell.runtime.transport.axon;

import dev.cell.runtime.identity.AccessToken;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.secure.SecureHandshake;
import dev.cell.runtime.transport.ServerEnd;
import io.aeron.Image;
import io.aeron.Subscription;
import org.agrona.CloseHelper;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * An instance's axon listener: one Aeron UDP subscription on its endpoint (a configured port or an ephemeral one).
 * Each caller's publication shows up as an image; {@link #poll} turns each new one into an {@link AxonServerEnd} for
 * the serving thread, which runs its handshake and frames like any other session.
 * <p>
 * <b>Note:</b> {@link #poll} is for the serving thread; images are announced by Aeron's conductor thread through a
 * queue.
 *
 * @since 0.2
 */
public final class AxonListener implements AutoCloseable
{
    /**
     * How long a remote peer may stay silent before it is taken for crashed or unreachable: {@code
     * cell.axon.peer.timeout.ms} (700 ms; every side sends something at least every 200 ms).
     */
    public static final long PEER_TIMEOUT_NS = Long.getLong("cell.axon.peer.timeout.ms", 700) * 1_000_000L;

    private static final long BIND_TIMEOUT_NS = 10_000_000_000L;

    private final AxonMedia media;
    private final Identity identity;
    private final Set<String> allowedKeys;
    private final String cell;
    private final boolean plaintext;
    private final Subscription subscription;
    private final ManyToOneConcurrentLinkedQueue<Image> available = new ManyToOneConcurrentLinkedQueue<>();
    private final SecureRandom random = new SecureRandom();
    private final String endpoint;
    private volatile long refusedImages; // written by the serving thread only
    private boolean closed;

    /**
     * Listen, and wait until the driver has bound the endpoint.
     *
     * @param listen      {@code host:port}; port 0 for an ephemeral one.
     * @param identity    the instance's identity, proven to every caller.
     * @param allowedKeys identities that may call; empty: any identity that proves itself.
     * @param plaintext   true to take only plaintext sessions (measurements); false: only encrypted ones.
     * @throws IllegalStateException when the endpoint cannot be bound in time.
     */
    public AxonListener(
        final String listen, final Identity identity, final Set<String> allowedKeys, final boolean plaintext)
    {
        this(listen, identity, allowedKeys, plaintext, null);
    }

    /**
     * Listen, and wait until the driver has bound the endpoint.
     *
     * @param listen      {@code host:port}; port 0 for an ephemeral one.
     * @param identity    the instance's identity, proven to every caller.
     * @param allowedKeys identities that may call; empty: any identity that proves itself.
     * @param plaintext   true to take only plaintext sessions (measurements); false: only encrypted ones.
     * @param cell        the cell served, which an {@link AccessToken} must name to let a caller in that is not
     *                    allowed itself; null: no tokens.
     * @throws IllegalStateException when the endpoint cannot be bound in time.
     */
    public AxonListener(final String listen, final Identity identity, final Set<String> allowedKeys,
        final boolean plaintext, final String cell)
    {
        this.cell = cell;
        this.media = AxonMedia.acquire();
        this.identity = identity;
        this.allowedKeys = Set.copyOf(allowedKeys);
        this.plaintext = plaintext;
        boolean ok = false;
        try
        {
            this.subscription = media.aeron().addSubscription(AxonWire.channel(listen), AxonWire.STREAM_ID,
                available::offer, image -> { });
            this.endpoint = awaitBound(subscription, listen);
            ok = true;
        }
        finally
        {
            if (!ok)
            {
                media.release();
            }
        }
    }

    static String awaitBound(final Subscription subscription, final String what)
    {
        final long deadlineNs = System.nanoTime() + BIND_TIMEOUT_NS;
        while (true)
        {
            final List<String> bound = subscription.localSocketAddresses();
            if (!bound.isEmpty())
            {
                return bound.get(0);
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                CloseHelper.quietClose(subscription);
                throw new IllegalStateException("cannot listen on UDP " + what + " (in use, or no such address?)");
            }
            LockSupport.parkNanos(100_000L);
        }
    }

    /**
     * @return the bound endpoint, {@code host:port}.
     */
    public String endpoint()
    {
        return endpoint;
    }

    /**
     * @return the instance's public identity.
     */
    public String identity()
    {
        return identity.publicId();
    }

    /**
     * Hand every newly seen caller to {@code onSession}.
     *
     * @param onSession takes each new session.
     * @param nowNs     monotonic clock.
     * @return how many there were.
     */
    public int poll(final Consumer<ServerEnd> onSession, final long nowNs)
    {
        media.duty();
        int n = 0;
        Image image;
        while ((image = available.poll()) != null)
        {
            // The sender chooses an image's term length in its SETUP; a message may be an eighth of it. Never poll
            // (so never assemble) an image of another length: unread, it stays within the receiver window.
            if (image.termBufferLength() != AxonMedia.TERM_LENGTH)
            {
                refusedImages++;
                continue;
            }
            onSession.accept(new AxonServerEnd(this, image, nowNs));
            n++;
        }
        return n;
    }

    /**
     * @return images never polled because their term length is not {@link AxonMedia#TERM_LENGTH}.
     */
    public long refusedImages()
    {
        return refusedImages;
    }

    AxonMedia media()
    {
        return media;
    }

    boolean plaintext()
    {
        return plaintext;
    }

    long peerTimeoutNs()
    {
        return PEER_TIMEOUT_NS;
    }

    SecureHandshake newHandshake()
    {
        return new SecureHandshake(false, AxonWire.PROLOGUE, identity, null, this::refusal, random);
    }

    private String refusal(final String key, final String token)
    {
        if (allowedKeys.isEmpty() || allowedKeys.contains(key))
        {
            return null;
        }
        final String refused = "identity " + key + " is not allowed here ([auth] allowed_keys)";
        if (token == null || cell == null)
        {
            return refused;
        }
        final String problem = AccessToken.problem(token, key, cell, allowedKeys, System.currentTimeMillis() / 1000);
        return problem == null ? null : refused + " and its access token does not let it in: " + problem;
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            CloseHelper.quietClose(subscription);
            media.release();
        }
    }
}
