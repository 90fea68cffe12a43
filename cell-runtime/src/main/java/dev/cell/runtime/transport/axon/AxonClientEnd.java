package dev.cell.runtime.transport.axon;

import dev.cell.ring.Doorbell;
import dev.cell.ring.Junction;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.secure.NoiseCipher;
import dev.cell.runtime.secure.NoiseException;
import dev.cell.runtime.secure.SecureHandshake;
import dev.cell.runtime.transport.ClientEnd;
import dev.cell.runtime.transport.FrameListener;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.ControlledFragmentHandler.Action;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * A caller's end of one axon session: an exclusive publication to the instance's endpoint, and a subscription of its
 * own (an ephemeral port on the address that routes to the instance) that the instance answers on. {@link #open}
 * runs the Noise XX handshake as the initiator: the instance proves its identity (the expected key, when one is
 * given) and learns the caller's. Then every frame is sealed under the next nonce, and each one received is opened
 * into a private buffer before the listener sees it.
 * <p>
 * The process's keeper thread sends an empty frame when nothing was sent for 200 ms, so sends take a short lock
 * (uncontended but for that beat). A silence of the instance longer than the peer timeout, while this side polls,
 * makes {@link #checkPeer} say {@link #PEER_GONE}.
 * <p>
 * <b>Note:</b> reads under the connection's receive lock; sends are serialised here.
 *
 * @since 0.2
 */
public final class AxonClientEnd implements ClientEnd, AxonKeepAlive
{
    private static final int WINDOW_MARGIN = 64;
    private static final long NO_SESSION = Long.MIN_VALUE;

    private final AxonMedia media;
    private final String endpoint;
    private final boolean plaintext;
    private final long peerTimeoutNs;
    private final Subscription subscription;
    private final ExclusivePublication publication;
    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this::onMessage);
    /** Fragments of an image whose term length is not ours are dropped unassembled (a message may be 1/8 term). */
    private final ControlledFragmentHandler guarded = (buffer, offset, length, header) ->
        header.positionBitsToShift() == AxonMedia.TERM_SHIFT ? assembler.onFragment(buffer, offset, length, header) :
            Action.CONTINUE;
    private final ExpandableArrayBuffer control = new ExpandableArrayBuffer(AxonWire.MAX_HANDSHAKE_LENGTH + 256);
    private final ExpandableArrayBuffer claimed = new ExpandableArrayBuffer(4096);
    private final Doorbell doorbell = new Doorbell(new UnsafeBuffer(ByteBuffer.allocateDirect(Doorbell.LENGTH)), 0);
    private final AxonPace pace = new AxonPace();
    private final Object sendLock = new Object();
    private final List<byte[]> handshakeSent = new ArrayList<>(2);
    private SecureHandshake handshake;
    private byte[] handshakeReply;
    private AxonSeal tx;
    private AxonSeal rx;
    private String remoteIdentity;
    private FrameListener frames;
    private int framesRead;
    private volatile boolean closed;
    private volatile String corruption;
    private volatile String refusal;
    private int claimedLength;
    private volatile long lastHeardNs; // written by the thread that reads, read by any caller that judges the peer
    private long lastPollNs;
    private volatile long lastSentNs;
    private long silentMs;
    private long replySession = NO_SESSION;
    private boolean released;

    private AxonClientEnd(
        final AxonMedia media, final String endpoint, final String localHost, final boolean plaintext,
        final long peerTimeoutNs)
    {
        this.media = media;
        this.endpoint = endpoint;
        this.plaintext = plaintext;
        this.peerTimeoutNs = peerTimeoutNs;
        Subscription sub = null;
        ExclusivePublication pub = null;
        try
        {
            sub = media.aeron().addSubscription(AxonWire.channel(localHost + ":0"), AxonWire.STREAM_ID);
            pub = media.aeron().addExclusivePublication(AxonWire.channel(endpoint), AxonWire.STREAM_ID);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(sub, pub);
            throw ex;
        }
        this.subscription = sub;
        this.publication = pub;
        final long nowNs = System.nanoTime();
        this.lastHeardNs = nowNs;
        this.lastPollNs = nowNs;
        this.lastSentNs = nowNs;
    }

    /**
     * Open a session and run the handshake.
     *
     * @param endpoint    the instance's {@code host:port}.
     * @param localHost   this host's address that routes to it.
     * @param identity    this caller's identity.
     * @param expectedKey the instance's identity it must prove, or null for any.
     * @param token       an access token for this caller and cell ({@code AccessToken}), or null.
     * @param plaintext   true for a plaintext session (measurements).
     * @param deadlineNs  when to give up ({@link System#nanoTime()}).
     * @return the open session.
     * @throws AxonRefusedException when the instance refused, or proved another identity.
     * @throws AxonUnreachableException when it did not answer in time.
     */
    public static AxonClientEnd open(
        final String endpoint, final String localHost, final Identity identity, final String expectedKey,
        final String token, final boolean plaintext, final long deadlineNs)
        throws AxonRefusedException, AxonUnreachableException
    {
        final AxonMedia media = AxonMedia.acquire();
        final AxonClientEnd end;
        try
        {
            end = new AxonClientEnd(media, endpoint, localHost, plaintext, AxonListener.PEER_TIMEOUT_NS);
        }
        catch (final RuntimeException ex)
        {
            media.release();
            throw ex;
        }
        boolean ok = false;
        try
        {
            end.handshake(identity, expectedKey, token, deadlineNs);
            media.register(end);
            ok = true;
            return end;
        }
        finally
        {
            if (!ok)
            {
                end.close();
            }
        }
    }

    private void handshake(final Identity identity, final String expectedKey, final String token,
        final long deadlineNs)
        throws AxonRefusedException, AxonUnreachableException
    {
        final String replyTo = AxonListener.awaitBound(subscription, "reply endpoint");
        try
        {
            final byte[] msg1;
            if (plaintext)
            {
                msg1 = new byte[0];
            }
            else
            {
                handshake = new SecureHandshake(true, AxonWire.PROLOGUE, identity, token, (key, none) ->
                    expectedKey == null || expectedKey.equals(key) ? null : "the instance proved identity " + key +
                    ", not " + expectedKey, new SecureRandom());
                msg1 = handshake.write();
            }
            offerControl(AxonWire.putHello(control, plaintext, replyTo, msg1), deadlineNs);
            final byte[] msg2 = awaitAccept(deadlineNs);
            if (plaintext)
            {
                tx = new AxonSeal(null);
                rx = new AxonSeal(null);
                return;
            }
            handshake.read(msg2);
            final byte[] msg3 = handshake.write();
            control.putByte(0, AxonWire.FINISH);
            control.putBytes(1, msg3);
            offerControl(1 + msg3.length, deadlineNs);
            remoteIdentity = handshake.remoteIdentity();
            tx = new AxonSeal(handshake.noise().sender());
            rx = new AxonSeal(handshake.noise().receiver());
            handshake = null;
        }
        catch (final NoiseException ex)
        {
            throw new AxonRefusedException("the instance at " + endpoint + " failed the handshake: " +
                ex.getMessage());
        }
    }

    private void offerControl(final int length, final long deadlineNs) throws AxonUnreachableException
    {
        while (true)
        {
            final long result = publication.offer(control, 0, length);
            if (result > 0)
            {
                lastSentNs = System.nanoTime();
                final byte[] sent = new byte[length];
                control.getBytes(0, sent);
                handshakeSent.add(sent);
                return;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                throw new AxonUnreachableException("the session to " + endpoint + " closed during the handshake");
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                throw new AxonUnreachableException(publication.isConnected() ?
                    endpoint + " did not take the handshake in time" :
                    "nothing listens at " + endpoint + " (or it is unreachable): no answer in time");
            }
            if (media.duty() == 0)
            {
                doorbell.sleep(doorbell.prepareSleep(), 100_000L);
            }
        }
    }

    private byte[] awaitAccept(final long deadlineNs) throws AxonRefusedException, AxonUnreachableException
    {
        while (handshakeReply == null)
        {
            if (refusal != null)
            {
                throw new AxonRefusedException("the instance at " + endpoint + " refused: " + refusal);
            }
            if (corruption != null)
            {
                throw new AxonRefusedException("the instance at " + endpoint + " answered out of protocol: " +
                    corruption);
            }
            media.duty();
            if (subscription.controlledPoll(guarded, 1) > 0)
            {
                continue;
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                throw new AxonUnreachableException("no answer to the handshake from " + endpoint + " in time");
            }
            doorbell.sleep(doorbell.prepareSleep(), AxonPace.WARM_SLEEP_NS);
        }
        return handshakeReply;
    }

    private Action onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (replySession == NO_SESSION)
        {
            replySession = header.sessionId();
        }
        else if (header.sessionId() != replySession)
        {
            return Action.CONTINUE; // another sender aiming at this port: not the instance this session talks to
        }
        lastHeardNs = System.nanoTime();
        if (length < 1 || closed || corruption != null)
        {
            return Action.BREAK;
        }
        final byte type = buffer.getByte(offset);
        if (type == AxonWire.REFUSE)
        {
            refusal = AxonWire.readRefuse(buffer, offset, length);
            corruption = "the instance refused: " + refusal;
            return Action.BREAK;
        }
        if (rx == null)
        {
            if (type != AxonWire.ACCEPT || handshakeReply != null || length > AxonWire.MAX_HANDSHAKE_LENGTH)
            {
                corruption = "axon message of type " + type + " (" + length + " bytes) during the handshake";
                return Action.BREAK;
            }
            handshakeReply = new byte[length - 1];
            buffer.getBytes(offset + 1, handshakeReply);
            return Action.BREAK;
        }
        if (type != AxonWire.DATA)
        {
            corruption = "axon message of type " + type + " after the handshake";
            return Action.BREAK;
        }
        final int frameLength;
        try
        {
            frameLength = rx.open(buffer, offset, length);
        }
        catch (final NoiseException ex)
        {
            corruption = ex.getMessage();
            return Action.BREAK;
        }
        if (frameLength == 0)
        {
            return Action.CONTINUE; // a keepalive: not traffic, the pace may go cold
        }
        pace.traffic(lastHeardNs);
        framesRead++;
        return frames.onFrame(rx.buffer(), 0, frameLength) ? Action.CONTINUE : Action.BREAK;
    }

    /**
     * @return the identity the instance proved (null in plaintext mode).
     */
    public String remoteIdentity()
    {
        return remoteIdentity;
    }

    /**
     * @return the instance's refusal, once it sent one.
     */
    public String refusal()
    {
        return refusal;
    }

    @Override
    public int read(final FrameListener listener, final int limit)
    {
        final long nowNs = System.nanoTime();
        if (nowNs - lastPollNs > peerTimeoutNs)
        {
            lastHeardNs = nowNs; // nobody polled for a while: what arrived meanwhile is read now, silence starts now
        }
        lastPollNs = nowNs;
        if (corruption != null)
        {
            return Junction.CORRUPT;
        }
        media.duty();
        frames = listener;
        framesRead = 0;
        try
        {
            subscription.controlledPoll(guarded, limit);
        }
        finally
        {
            frames = null;
        }
        return corruption != null ? Junction.CORRUPT : framesRead;
    }

    @Override
    public int send(final DirectBuffer buffer, final int offset, final int length)
    {
        synchronized (sendLock)
        {
            final int status = sendable(length);
            return status != Junction.OK ? status : offerSealed(buffer, offset, length);
        }
    }

    private int sendable(final int length)
    {
        if (closed || corruption != null)
        {
            return Junction.CLOSED;
        }
        if (length > maxMessageLength())
        {
            return Junction.TOO_LARGE;
        }
        if (publication.availableWindow() < length + tx.overhead() + WINDOW_MARGIN)
        {
            return publication.isConnected() ? Junction.BACK_PRESSURED : Junction.CLOSED;
        }
        return Junction.OK;
    }

    private int offerSealed(final DirectBuffer buffer, final int offset, final int length)
    {
        final int sealedLength = tx.seal(buffer, offset, length);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            final long result = publication.offer(tx.buffer(), 0, sealedLength);
            if (result > 0)
            {
                final long nowNs = System.nanoTime();
                lastSentNs = nowNs;
                return Junction.OK;
            }
            if (result == Publication.CLOSED || result == Publication.NOT_CONNECTED ||
                result == Publication.MAX_POSITION_EXCEEDED)
            {
                break;
            }
        }
        // Its nonce is used: nothing sent after a lost frame could authenticate.
        corruption = "a frame could not be sent to " + endpoint + " (the session closed)";
        return Junction.CLOSED;
    }

    @Override
    public void keepAlive(final long nowNs)
    {
        if (nowNs - lastSentNs < AxonMedia.KEEPALIVE_INTERVAL_NS)
        {
            return;
        }
        synchronized (sendLock)
        {
            if (sendable(0) == Junction.OK)
            {
                offerSealed(claimed, 0, 0);
            }
        }
    }

    @Override
    public int claim(final int length)
    {
        synchronized (sendLock)
        {
            final int status = sendable(length);
            if (status != Junction.OK)
            {
                return status;
            }
        }
        claimed.checkLimit(Math.max(1, length));
        claimedLength = length;
        pace.traffic(System.nanoTime());
        return 0;
    }

    @Override
    public MutableDirectBuffer claimedBuffer()
    {
        return claimed;
    }

    @Override
    public void commit(final int index)
    {
        synchronized (sendLock)
        {
            if (!closed && corruption == null)
            {
                offerSealed(claimed, 0, claimedLength);
            }
        }
    }

    @Override
    public void abort(final int index)
    {
        claimedLength = 0;
    }

    @Override
    public boolean hasInbound()
    {
        return false; // found by polling: waiting callers' sleeps are capped by pollIntervalNs
    }

    @Override
    public boolean peerClosed()
    {
        return closed || refusal != null || !publication.isConnected() && subscription.imageCount() == 0;
    }

    @Override
    public String corruption()
    {
        return corruption;
    }

    @Override
    public int maxMessageLength()
    {
        return publication.maxMessageLength() - 1 - NoiseCipher.TAG_BYTES;
    }

    @Override
    public String describeQueued()
    {
        return "the publication to " + endpoint + " has " + publication.availableWindow() + " bytes of window";
    }

    @Override
    public Doorbell localDoorbell()
    {
        return doorbell;
    }

    @Override
    public long pollIntervalNs()
    {
        return pace.sleepCapNs(System.nanoTime());
    }

    @Override
    public synchronized int checkPeer(final long nowMs, final long nowNs, final long hungTimeoutNs)
    {
        final long silentNs = nowNs - lastHeardNs;
        if (silentNs >= peerTimeoutNs || !publication.isConnected() && silentNs >= peerTimeoutNs / 2)
        {
            silentMs = silentNs / 1_000_000L;
            return PEER_GONE;
        }
        return PEER_OK;
    }

    @Override
    public synchronized long peerSilentMs()
    {
        return silentMs;
    }

    @Override
    public String describePeer()
    {
        return "axon " + endpoint + (remoteIdentity == null ? "" : ", " + remoteIdentity);
    }

    @Override
    public void markClosed()
    {
        closed = true;
    }

    @Override
    public void close()
    {
        synchronized (this)
        {
            if (released)
            {
                return;
            }
            released = true;
        }
        closed = true;
        media.unregister(this);
        synchronized (sendLock)
        {
            CloseHelper.quietCloseAll(publication, subscription);
        }
        media.release();
    }

    // What a party on the path could do with this session's bytes, for the tests that check each is refused.

    List<byte[]> handshakeSentForTest()
    {
        return handshakeSent;
    }

    byte[] sealForTest(final DirectBuffer frame, final int offset, final int length)
    {
        synchronized (sendLock)
        {
            final int n = tx.seal(frame, offset, length);
            final byte[] sealed = new byte[n];
            tx.buffer().getBytes(0, sealed);
            return sealed;
        }
    }

    long offerRawForTest(final byte[] message)
    {
        synchronized (sendLock)
        {
            return publication.offer(new UnsafeBuffer(message));
        }
    }
}
