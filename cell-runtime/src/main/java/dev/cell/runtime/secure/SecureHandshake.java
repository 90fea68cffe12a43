package dev.cell.runtime.secure;

import dev.cell.runtime.identity.AccessToken;
import dev.cell.runtime.identity.Identity;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Who is at the other end of a Noise XX handshake: each side's handshake payload (message 2 from the responder,
 * message 3 from the initiator, both encrypted) carries its Ed25519 identity and that identity's signature over its
 * Noise static key, as libp2p does. A side accepts the other only when the signature holds for the static key the
 * handshake authenticated and the identity passes its policy ({@code [auth] allowed_keys}); otherwise it refuses,
 * naming the identity, and the connection is closed. Payload: {@code u16 length, identity text, u16 length,
 * signature}, and from an initiator optionally {@code u16 length, access token} ({@link AccessToken}: how a caller not
 * in the allow-list is let in); at most {@value #MAX_PAYLOAD} bytes, checked before anything is allocated.
 *
 * @since 0.1
 */
public final class SecureHandshake
{
    /**
     * Largest identity payload accepted.
     */
    public static final int MAX_PAYLOAD = 1024;

    private static final byte[] SIGNED_LABEL = "cell noise static key v1\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * The axon's AEAD: AES-256-GCM, which the JDK runs on AES instructions (per small message about half the time of
     * its ChaCha20-Poly1305 on this project's x86 machines; perf/README.md, axon).
     */
    public static final NoiseCipher.Suite SUITE = NoiseCipher.Suite.AES_GCM;

    /**
     * Who a side lets in.
     */
    @FunctionalInterface
    public interface Admission
    {
        /**
         * @param identity the identity the other side proved.
         * @param token    the access token it presented, or null.
         * @return null to admit it, else why not (the refusal names it).
         */
        String refusal(String identity, String token);
    }

    private final Identity identity;
    private final X25519 staticKey;
    private final Admission admission;
    private final String token;
    private final NoiseXX noise;
    private String remoteIdentity;

    /**
     * @param initiator true for the side that sends the first message.
     * @param prologue  bytes both sides agree on (protocol version, the cell called).
     * @param identity  this side's identity.
     * @param allowed   which remote identities this side accepts.
     * @param random    where the session's static and ephemeral keys come from.
     */
    public SecureHandshake(final boolean initiator, final byte[] prologue, final Identity identity,
        final Predicate<String> allowed, final SecureRandom random)
    {
        this(initiator, prologue, identity, null, (who, presented) -> allowed.test(who) ? null :
            "identity " + who + " is not allowed here ([auth] allowed_keys)", random);
    }

    /**
     * @param initiator true for the side that sends the first message.
     * @param prologue  bytes both sides agree on (protocol version, the cell called).
     * @param identity  this side's identity.
     * @param token     an access token to present (initiator only), or null.
     * @param admission which remote identities this side accepts.
     * @param random    where the session's static and ephemeral keys come from.
     */
    public SecureHandshake(final boolean initiator, final byte[] prologue, final Identity identity,
        final String token, final Admission admission, final SecureRandom random)
    {
        if (token != null && (!initiator || token.length() > AccessToken.MAX_LENGTH))
        {
            throw new IllegalArgumentException("an access token is presented by the caller, at most " +
                AccessToken.MAX_LENGTH + " characters");
        }
        this.identity = identity;
        this.admission = admission;
        this.token = token;
        this.staticKey = X25519.generate(random); // a Noise static key per session, vouched for by the identity
        this.noise = new NoiseXX(SUITE, initiator, prologue, staticKey, () -> X25519.generate(random));
    }

    /**
     * @return the handshake message this side sends next (message 1 carries no payload).
     * @throws NoiseException when it is not this side's turn.
     */
    public byte[] write() throws NoiseException
    {
        return noise.write(noise.messages() == 0 ? new byte[0] : payload(identity, staticKey.publicKey(), token));
    }

    /**
     * @param message the other side's handshake message.
     * @throws NoiseException when it does not authenticate, its identity's signature does not hold for the static key
     *                        it sent, or that identity is not allowed (the message names it).
     */
    public void read(final byte[] message) throws NoiseException
    {
        final byte[] payload = noise.read(message);
        if (noise.remoteStatic() == null)
        {
            if (payload.length != 0)
            {
                throw new NoiseException("the first handshake message carries no payload");
            }
            return;
        }
        final String[] presented = new String[1];
        final String who = verify(payload, noise.remoteStatic(), presented);
        final String refusal = admission.refusal(who, presented[0]);
        if (refusal != null)
        {
            throw new NoiseException(refusal);
        }
        remoteIdentity = who;
    }

    /**
     * @return whether both sides are authenticated and the channel keys are ready.
     */
    public boolean done()
    {
        return noise.done() && remoteIdentity != null;
    }

    /**
     * @return the other side's identity, once it was verified.
     */
    public String remoteIdentity()
    {
        return remoteIdentity;
    }

    /**
     * @return the Noise state, for its transport ciphers once {@link #done()}.
     */
    public NoiseXX noise()
    {
        return noise;
    }

    static byte[] payload(final Identity identity, final byte[] noiseStatic)
    {
        return payload(identity, noiseStatic, null);
    }

    static byte[] payload(final Identity identity, final byte[] noiseStatic, final String token)
    {
        final byte[] id = identity.publicId().getBytes(StandardCharsets.US_ASCII);
        final byte[] sig = identity.sign(signed(noiseStatic));
        final byte[] t = token == null ? new byte[0] : token.getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer b = ByteBuffer.allocate(4 + id.length + sig.length + (token == null ? 0 : 2 + t.length));
        b.putShort((short)id.length).put(id).putShort((short)sig.length).put(sig);
        if (token != null)
        {
            b.putShort((short)t.length).put(t);
        }
        return b.array();
    }

    private static String verify(final byte[] payload, final byte[] remoteStatic, final String[] token)
        throws NoiseException
    {
        if (payload.length > MAX_PAYLOAD || payload.length < 4)
        {
            throw new NoiseException("identity payload of " + payload.length + " bytes (2 to " + MAX_PAYLOAD + ")");
        }
        final ByteBuffer b = ByteBuffer.wrap(payload);
        final int idLength = b.getShort() & 0xFFFF;
        if (idLength > b.remaining() - 2)
        {
            throw new NoiseException("identity payload: identity length " + idLength + " past its end");
        }
        final byte[] id = new byte[idLength];
        b.get(id);
        final int sigLength = b.getShort() & 0xFFFF;
        if (sigLength > b.remaining())
        {
            throw new NoiseException("identity payload: signature length " + sigLength + ", " + b.remaining() +
                " bytes left");
        }
        final byte[] sig = new byte[sigLength];
        b.get(sig);
        if (b.hasRemaining())
        {
            final int tokenLength = b.remaining() >= 2 ? b.getShort() & 0xFFFF : -1;
            if (tokenLength != b.remaining())
            {
                throw new NoiseException("identity payload: access token length " + tokenLength + ", " +
                    b.remaining() + " bytes left");
            }
            final byte[] t = new byte[tokenLength];
            b.get(t);
            token[0] = new String(t, StandardCharsets.US_ASCII);
        }
        final String who = new String(id, StandardCharsets.US_ASCII);
        if (!Identity.isPublicId(who))
        {
            throw new NoiseException("identity payload: '" + who + "' is not a public identity");
        }
        if (!Identity.verify(who, signed(remoteStatic), sig))
        {
            throw new NoiseException("identity " + who + " did not sign the static key of this handshake");
        }
        return who;
    }

    private static byte[] signed(final byte[] noiseStatic)
    {
        final byte[] m = Arrays.copyOf(SIGNED_LABEL, SIGNED_LABEL.length + noiseStatic.length);
        System.arraycopy(noiseStatic, 0, m, SIGNED_LABEL.length, noiseStatic.length);
        return m;
    }
}
