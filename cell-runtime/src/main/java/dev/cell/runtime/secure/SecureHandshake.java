package dev.cell.runtime.secure;

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
 * signature}; at most {@value #MAX_PAYLOAD} bytes, checked before anything is allocated.
 *
 * @since 0.1
 */
public final class SecureHandshake
{
    /**
     * Largest identity payload accepted.
     */
    public static final int MAX_PAYLOAD = 512;

    private static final byte[] SIGNED_LABEL = "cell noise static key v1\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * The axon's AEAD: AES-256-GCM, which the JDK runs on AES instructions (per small message about half the time of
     * its ChaCha20-Poly1305 on this project's x86 machines; perf/README.md, axon).
     */
    public static final NoiseCipher.Suite SUITE = NoiseCipher.Suite.AES_GCM;

    private final Identity identity;
    private final X25519 staticKey;
    private final Predicate<String> allowed;
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
        this.identity = identity;
        this.allowed = allowed;
        this.staticKey = X25519.generate(random); // a Noise static key per session, vouched for by the identity
        this.noise = new NoiseXX(SUITE, initiator, prologue, staticKey, () -> X25519.generate(random));
    }

    /**
     * @return the handshake message this side sends next (message 1 carries no payload).
     * @throws NoiseException when it is not this side's turn.
     */
    public byte[] write() throws NoiseException
    {
        return noise.write(noise.messages() == 0 ? new byte[0] : payload(identity, staticKey.publicKey()));
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
        final String who = verify(payload, noise.remoteStatic());
        if (!allowed.test(who))
        {
            throw new NoiseException("identity " + who + " is not allowed here ([auth] allowed_keys)");
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
        final byte[] id = identity.publicId().getBytes(StandardCharsets.US_ASCII);
        final byte[] sig = identity.sign(signed(noiseStatic));
        final ByteBuffer b = ByteBuffer.allocate(4 + id.length + sig.length);
        b.putShort((short)id.length).put(id).putShort((short)sig.length).put(sig);
        return b.array();
    }

    private static String verify(final byte[] payload, final byte[] remoteStatic) throws NoiseException
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
        if (sigLength != b.remaining())
        {
            throw new NoiseException("identity payload: signature length " + sigLength + ", " + b.remaining() +
                " bytes left");
        }
        final byte[] sig = new byte[sigLength];
        b.get(sig);
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
