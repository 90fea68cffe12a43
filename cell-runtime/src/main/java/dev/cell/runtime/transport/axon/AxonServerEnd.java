package dev.cell.runtime.transport.axon;

import dev.cell.ring.Junction;
import dev.cell.runtime.secure.NoiseCipher;
import dev.cell.runtime.secure.NoiseException;
import dev.cell.runtime.secure.SecureHandshake;
import dev.cell.runtime.transport.FrameListener;
import dev.cell.runtime.transport.ServerEnd;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.ImageControlledFragmentAssembler;
import io.aeron.Publication;
import io.aeron.logbuffer.ControlledFragmentHandler.Action;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The instance's end of one axon session: one Aeron image (the caller's publication) in, one exclusive publication
 * (to the reply endpoint the caller named) out. It runs the Noise XX handshake itself, as the responder, before
 * anything reaches Cell's protocol; afterwards every message is a sealed {@link AxonWire#DATA} frame, opened into a
 * private buffer before the listener sees it. A message that breaks the rules (a handshake message after the
 * handshake, a frame that does not authenticate, a caller whose identity is not allowed) ends the session: the caller
 * is told why in a {@link AxonWire#REFUSE} and {@link #read} returns {@code CORRUPT}.
 * <p>
 * <b>Note:</b> used by the serving thread, except {@link #keepAlive}, which the process's keeper thread calls: offers
 * to the publication are serialised by a short lock, so a long handler does not silence the session.
 */
final class AxonServerEnd implements ServerEnd, AxonKeepAlive
{
    private static final int HANDSHAKING = 0;
    private static final int OPEN = 1;
    private static final int CLOSED = 2;
    private static final long HANDSHAKE_TIMEOUT_NS = 5_000_000_000L;
    private static final int OFFER_ATTEMPTS = 3;
    private static final long LINGER_NS = 1_000_000_000L;
    private static final int KEEPALIVE_MARGIN = 64; // room for a keepalive the keeper may slip in

    private final AxonListener listener;
    private final Image image;
    private final String name;
    private final ImageControlledFragmentAssembler assembler;
    private final ExpandableArrayBuffer control = new ExpandableArrayBuffer(AxonWire.MAX_HANDSHAKE_LENGTH + 64);
    private final ExpandableArrayBuffer claimed = new ExpandableArrayBuffer(4096);
    private final long createdNs;
    private ExclusivePublication reply;
    private SecureHandshake handshake;
    private AxonSeal tx;
    private AxonSeal rx;
    private volatile int state = HANDSHAKING;
    private final Object sendLock = new Object();
    private int controlLength;
    private String corruption;
    private boolean corruptionReported;
    private String remoteIdentity;
    private FrameListener frames;
    private int framesRead;
    private ExpandableArrayBuffer pending;
    private int pendingLength;
    private int claimedLength;
    private long lastReceivedNs;
    private volatile long lastSentNs;
    private long lastPollNs;
    private long closedNs;
    private boolean sendFailed;
    private volatile boolean acceptOffered;
    private final ExpandableArrayBuffer keepAliveFrame = new ExpandableArrayBuffer(16);

    AxonServerEnd(final AxonListener listener, final Image image, final long nowNs)
    {
        this.listener = listener;
        this.image = image;
        this.name = "axon " + image.sourceIdentity() + " session " + image.sessionId();
        this.assembler = new ImageControlledFragmentAssembler(this::onMessage);
        this.createdNs = nowNs;
        this.lastReceivedNs = nowNs;
        this.lastSentNs = nowNs;
        this.lastPollNs = nowNs;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public String remoteIdentity()
    {
        return remoteIdentity;
    }

    @Override
    public boolean authenticated()
    {
        return state != HANDSHAKING;
    }

    @Override
    public int read(final FrameListener listener, final int limit)
    {
        if (controlLength > 0)
        {
            offerControl();
        }
        if (state == CLOSED)
        {
            // A refusal is sent before the session is reported broken (and closed), unless it cannot go out.
            return controlLength > 0 && System.nanoTime() - closedNs < LINGER_NS ? 0 : reportCorruption();
        }
        final long nowNs = System.nanoTime();
        if (nowNs - lastPollNs > this.listener.peerTimeoutNs())
        {
            lastReceivedNs = nowNs; // not polled for a while (a long handler): what arrived is read now
        }
        lastPollNs = nowNs;
        frames = listener;
        framesRead = 0;
        try
        {
            image.controlledPoll(assembler, limit);
        }
        finally
        {
            frames = null;
        }
        return state == CLOSED && controlLength == 0 ? reportCorruption() : framesRead;
    }

    private int reportCorruption()
    {
        if (corruption != null && !corruptionReported)
        {
            corruptionReported = true;
            return Junction.CORRUPT;
        }
        return 0;
    }

    private Action onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        lastReceivedNs = System.nanoTime();
        if (state == CLOSED)
        {
            return Action.BREAK;
        }
        if (length < 1)
        {
            return fail("empty axon message");
        }
        final byte type = buffer.getByte(offset);
        if (state == OPEN)
        {
            if (type != AxonWire.DATA)
            {
                return fail("axon message of type " + type + " after the handshake (a replayed handshake?)");
            }
            return onData(buffer, offset, length);
        }
        if (length > AxonWire.MAX_HANDSHAKE_LENGTH + AxonWire.MAX_REPLY_LENGTH + AxonWire.HELLO_HEADER)
        {
            return fail("handshake message of " + length + " bytes");
        }
        try
        {
            if (type == AxonWire.HELLO && reply == null)
            {
                return onHello(buffer, offset, length);
            }
            if (type == AxonWire.FINISH && handshake != null && controlLength == 0)
            {
                handshake.read(copy(buffer, offset + 1, length - 1));
                if (!handshake.done())
                {
                    return fail("the handshake did not authenticate the caller");
                }
                remoteIdentity = handshake.remoteIdentity();
                tx = new AxonSeal(handshake.noise().sender());
                rx = new AxonSeal(handshake.noise().receiver());
                handshake = null;
                state = OPEN;
                listener.media().register(this);
                return Action.BREAK; // the instance admits the session before it reads the session's frames
            }
            return fail("axon message of type " + type + " out of turn in the handshake");
        }
        catch (final NoiseException ex)
        {
            return fail(ex.getMessage());
        }
    }

    private Action onHello(final DirectBuffer buffer, final int offset, final int length) throws NoiseException
    {
        if (length < AxonWire.HELLO_HEADER)
        {
            return fail("HELLO of " + length + " bytes");
        }
        final int version = buffer.getByte(offset + 1) & 0xFF;
        final boolean plaintext = (buffer.getByte(offset + 2) & AxonWire.FLAG_PLAINTEXT) != 0;
        final int replyLength = buffer.getShort(offset + 4, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (replyLength > AxonWire.MAX_REPLY_LENGTH || AxonWire.HELLO_HEADER + replyLength > length)
        {
            return fail("HELLO's reply endpoint of " + replyLength + " bytes does not fit");
        }
        final String replyTo = buffer.getStringWithoutLengthAscii(offset + AxonWire.HELLO_HEADER, replyLength);
        if (!AxonWire.validReply(replyTo))
        {
            return fail("HELLO's reply endpoint is not host:port");
        }
        if (!AxonWire.hostOf(replyTo).equals(AxonWire.hostOf(image.sourceIdentity())))
        {
            // Never send to an address the caller does not hold: a forged HELLO could aim replies at a third party.
            return fail("HELLO names reply endpoint " + replyTo + " but comes from " + image.sourceIdentity());
        }
        reply = listener.media().aeron().addExclusivePublication(AxonWire.channel(replyTo), AxonWire.STREAM_ID);
        if (version != AxonWire.VERSION)
        {
            return refuse("axon version " + version + " is not spoken here (" + AxonWire.VERSION + ")");
        }
        if (plaintext != listener.plaintext())
        {
            return refuse(listener.plaintext() ? "this instance takes only plaintext sessions (a measurement " +
                "setting)" : "this instance takes only encrypted sessions");
        }
        control.putByte(0, AxonWire.ACCEPT);
        if (plaintext)
        {
            tx = new AxonSeal(null);
            rx = new AxonSeal(null);
            state = OPEN;
            controlLength = 1;
            listener.media().register(this);
        }
        else
        {
            handshake = listener.newHandshake();
            handshake.read(copy(buffer, offset + AxonWire.HELLO_HEADER + replyLength,
                length - AxonWire.HELLO_HEADER - replyLength));
            final byte[] msg2 = handshake.write();
            control.putBytes(1, msg2);
            controlLength = 1 + msg2.length;
        }
        offerControl();
        return state == OPEN ? Action.BREAK : Action.CONTINUE;
    }

    private Action onData(final DirectBuffer buffer, final int offset, final int length)
    {
        final int frameLength;
        try
        {
            frameLength = rx.open(buffer, offset, length);
        }
        catch (final NoiseException ex)
        {
            return fail(ex.getMessage());
        }
        if (frameLength == 0)
        {
            return Action.CONTINUE; // a keepalive
        }
        framesRead++;
        return frames.onFrame(rx.buffer(), 0, frameLength) ? Action.CONTINUE : Action.BREAK;
    }

    private static byte[] copy(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private Action fail(final String reason)
    {
        return refuse(reason);
    }

    private Action refuse(final String reason)
    {
        if (state != CLOSED)
        {
            corruption = reason;
            state = CLOSED;
            closedNs = System.nanoTime();
            if (reply != null)
            {
                controlLength = AxonWire.putRefuse(control, reason);
                offerControl();
            }
        }
        return Action.BREAK;
    }

    private void offerControl()
    {
        if (reply == null || !reply.isConnected())
        {
            return; // the caller's subscription is not seen yet: retried at the next read
        }
        synchronized (sendLock)
        {
            final long result = reply.offer(control, 0, controlLength);
            if (result > 0)
            {
                acceptOffered |= control.getByte(0) == AxonWire.ACCEPT;
                controlLength = 0;
                lastSentNs = System.nanoTime();
            }
        }
    }

    @Override
    public int send(final DirectBuffer buffer, final int offset, final int length)
    {
        if (state != OPEN || controlLength > 0 && !flushControl())
        {
            return state == OPEN ? keepPending(buffer, offset, length) : Junction.CLOSED;
        }
        if (length > maxMessageLength())
        {
            return Junction.TOO_LARGE;
        }
        if (reply.availableWindow() < length + tx.overhead() + KEEPALIVE_MARGIN)
        {
            return keepPending(buffer, offset, length);
        }
        return offerSealed(buffer, offset, length);
    }

    private boolean flushControl()
    {
        offerControl();
        return controlLength == 0;
    }

    private int offerSealed(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!sealAndOffer(buffer, offset, length))
        {
            // The sealed frame used its nonce: a session that cannot send it cannot send anything after it.
            refuse("the reply could not be sent (the caller is gone or its window stayed shut)");
            return Junction.CLOSED;
        }
        return Junction.OK;
    }

    private boolean sealAndOffer(final DirectBuffer buffer, final int offset, final int length)
    {
        synchronized (sendLock)
        {
            if (sendFailed)
            {
                return false;
            }
            final int sealedLength = tx.seal(buffer, offset, length);
            for (int attempt = 0; attempt < OFFER_ATTEMPTS; attempt++)
            {
                final long result = reply.offer(tx.buffer(), 0, sealedLength);
                if (result > 0)
                {
                    lastSentNs = System.nanoTime();
                    return true;
                }
                if (result == Publication.CLOSED || result == Publication.NOT_CONNECTED ||
                    result == Publication.MAX_POSITION_EXCEEDED)
                {
                    break;
                }
            }
            sendFailed = true;
            return false;
        }
    }

    @Override
    public void keepAlive(final long nowNs)
    {
        if (state == OPEN && nowNs - lastSentNs >= AxonMedia.KEEPALIVE_INTERVAL_NS)
        {
            synchronized (sendLock)
            {
                if (state == OPEN && reply.availableWindow() >= keepAliveBytes())
                {
                    sealAndOffer(keepAliveFrame, 0, 0); // a failure is seen by the serving thread's next send
                }
            }
        }
    }

    private int keepAliveBytes()
    {
        return tx.overhead() + 64;
    }

    private int keepPending(final DirectBuffer buffer, final int offset, final int length)
    {
        if (pending == null)
        {
            pending = new ExpandableArrayBuffer(Math.max(256, length));
        }
        pending.putBytes(0, buffer, offset, length);
        pendingLength = length;
        return Junction.BACK_PRESSURED;
    }

    @Override
    public void sendOnce(final DirectBuffer buffer, final int offset, final int length)
    {
        if (state == OPEN && length <= maxMessageLength() &&
            reply.availableWindow() >= length + tx.overhead() + KEEPALIVE_MARGIN)
        {
            offerSealed(buffer, offset, length);
        }
    }

    @Override
    public boolean hasPending()
    {
        return pendingLength > 0;
    }

    @Override
    public int flushPending()
    {
        if (state != OPEN)
        {
            pendingLength = 0;
            return Junction.CLOSED;
        }
        if (controlLength > 0 && !flushControl() ||
            reply.availableWindow() < pendingLength + tx.overhead() + KEEPALIVE_MARGIN)
        {
            return Junction.BACK_PRESSURED;
        }
        final int length = pendingLength;
        pendingLength = 0;
        return offerSealed(pending, 0, length);
    }

    @Override
    public int claim(final int length)
    {
        if (state != OPEN)
        {
            return Junction.CLOSED;
        }
        if (length > maxMessageLength())
        {
            return Junction.TOO_LARGE;
        }
        if (controlLength > 0 || reply.availableWindow() < length + tx.overhead() + KEEPALIVE_MARGIN)
        {
            return Junction.BACK_PRESSURED;
        }
        claimed.checkLimit(length);
        claimedLength = length;
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
        offerSealed(claimed, 0, claimedLength);
    }

    @Override
    public void abort(final int index)
    {
        claimedLength = 0;
    }

    @Override
    public int maxMessageLength()
    {
        final int limit = reply != null ? reply.maxMessageLength() : AxonMedia.TERM_LENGTH / 8;
        return limit - 1 - NoiseCipher.TAG_BYTES;
    }

    @Override
    public boolean hasInbound()
    {
        return controlLength > 0; // frames are found by polling: the serving thread's sleeps are capped
    }

    @Override
    public boolean peerClosed()
    {
        return image.isClosed() || image.isEndOfStream() || state == CLOSED && corruption == null;
    }

    @Override
    public String corruption()
    {
        return corruption;
    }

    @Override
    public String reclaimReason(
        final long nowMs, final long nowNs, final long claimTimeoutNs, final long clientTimeoutNs)
    {
        if (state == HANDSHAKING)
        {
            return nowNs - createdNs >= HANDSHAKE_TIMEOUT_NS ? "the axon handshake did not finish within " +
                HANDSHAKE_TIMEOUT_NS / 1_000_000 + " ms" : null;
        }
        if (state != OPEN)
        {
            return null;
        }
        final long silentNs = nowNs - lastReceivedNs;
        if (silentNs >= Math.min(clientTimeoutNs, listener.peerTimeoutNs()))
        {
            return "client silent for " + silentNs / 1_000_000 + " ms (crashed or unreachable)";
        }
        return null;
    }

    @Override
    public void closeAndDelete()
    {
        listener.media().unregister(this);
        synchronized (sendLock)
        {
            state = CLOSED;
            CloseHelper.quietClose(reply);
        }
    }

    /**
     * @return whether this side's handshake answer has gone out (for the test that replays a recorded handshake).
     */
    boolean acceptOfferedForTest()
    {
        return acceptOffered;
    }
}
