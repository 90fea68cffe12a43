package dev.cell.runtime.secure;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link NoiseXX} against the {@code Noise_XX_25519_ChaChaPoly_SHA256} and {@code Noise_XX_25519_AESGCM_SHA256}
 * vectors of the cacophony test vectors (haskell-cryptography/cacophony, vectors/cacophony.txt; keys, prologue,
 * payloads and expected ciphertexts as published there: both use the same keys and payloads), then refusals: a
 * flipped byte, a replayed and a reordered transport message, a message out of turn.
 */
class NoiseXXTest
{
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] PROLOGUE = HEX.parseHex("4a6f686e2047616c74");
    private static final byte[] INIT_STATIC = HEX.parseHex("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1");
    private static final byte[] INIT_EPHEMERAL = HEX.parseHex("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a");
    private static final byte[] RESP_STATIC = HEX.parseHex("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893");
    private static final byte[] RESP_EPHEMERAL = HEX.parseHex("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b");
    private static final String HANDSHAKE_HASH = "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e";
    private static final String AES_HANDSHAKE_HASH = "1b7aefb1125762aa21a252890d00af54519638b76437444538f9a52f21e2e0dc";
    // payload, ciphertext: three handshake messages, then transport messages, initiator first, alternating
    private static final String[][] MESSAGES = {
        {"4c756477696720766f6e204d69736573", "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"},
        {"4d757272617920526f746862617264", "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad"},
        {"462e20412e20486179656b", "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030"},
        {"4361726c204d656e676572", "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df"},
        {"4a65616e2d426170746973746520536179", "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5"},
        {"457567656e2042f6686d20766f6e2042617765726b", "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f"}
    };
    private static final String[][] AES_MESSAGES = {
        {"4c756477696720766f6e204d69736573", "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"},
        {"4d757272617920526f746862617264", "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843757117acceb05bd7a45733bc22015c97a9d0cbaf41b80446d5988ff5127235d76b79eade70f473d6a4ef521fdcbeda5340d01e028ba793fc059f2724a83af05f12dda0448a7621a926b379a92477fd"},
        {"462e20412e20486179656b", "c90f1cf77eba4e50edb038991565e36c9758943a989229b6051244dc4fbecb6946744b401af2ee1a5881b65fbb87fd07cb6a328ececc9ce6ce84c399dc332d4fd521fa4bb7f467ce909395"},
        {"4361726c204d656e676572", "bc3fa77f6aca3e8466d7dc6bea10013e88a6a29add5132b461806c"},
        {"4a65616e2d426170746973746520536179", "250b01074cdfe0df2ecf8ccbf1737b15a2ddb5b52fd9a396604e9c793cee3b3bb9"},
        {"457567656e2042f6686d20766f6e2042617765726b", "449d4d433b3cdc3d02bf6fc881774b9df54366ebcffb9689bb13f14709822cd7ef42bcdb4d"}
    };

    @Test
    void theCacophonyVectorsAreReproducedByteForByte() throws Exception
    {
        reproduce(NoiseCipher.Suite.CHACHA_POLY, HANDSHAKE_HASH, MESSAGES);
        reproduce(NoiseCipher.Suite.AES_GCM, AES_HANDSHAKE_HASH, AES_MESSAGES);
        assertEquals("Noise_XX_25519_AESGCM_SHA256", NoiseXX.protocolName(SecureHandshake.SUITE));
    }

    private static void reproduce(final NoiseCipher.Suite suite, final String handshakeHash,
        final String[][] messages) throws Exception
    {
        final NoiseXX init = new NoiseXX(suite, true, PROLOGUE, X25519.fromPrivate(INIT_STATIC),
            () -> X25519.fromPrivate(INIT_EPHEMERAL));
        final NoiseXX resp = new NoiseXX(suite, false, PROLOGUE, X25519.fromPrivate(RESP_STATIC),
            () -> X25519.fromPrivate(RESP_EPHEMERAL));
        for (int i = 0; i < 3; i++)
        {
            final NoiseXX writer = i % 2 == 0 ? init : resp;
            final NoiseXX reader = i % 2 == 0 ? resp : init;
            final byte[] msg = writer.write(HEX.parseHex(messages[i][0]));
            assertEquals(messages[i][1], HEX.formatHex(msg), suite + " handshake message " + (i + 1));
            assertArrayEquals(HEX.parseHex(messages[i][0]), reader.read(msg));
        }
        assertEquals(handshakeHash, HEX.formatHex(init.handshakeHash()));
        assertEquals(handshakeHash, HEX.formatHex(resp.handshakeHash()));
        assertArrayEquals(X25519.fromPrivate(RESP_STATIC).publicKey(), init.remoteStatic());
        assertArrayEquals(X25519.fromPrivate(INIT_STATIC).publicKey(), resp.remoteStatic());
        for (int i = 3; i < messages.length; i++)
        {
            final boolean fromInitiator = i % 2 == 0;
            final NoiseCipher out = fromInitiator ? init.sender() : resp.sender();
            final NoiseCipher in = fromInitiator ? resp.receiver() : init.receiver();
            final byte[] c = out.encrypt(new byte[0], HEX.parseHex(messages[i][0]));
            assertEquals(messages[i][1], HEX.formatHex(c), suite + " transport message " + (i + 1));
            assertArrayEquals(HEX.parseHex(messages[i][0]), in.decrypt(new byte[0], c));
        }
    }

    @Test
    void tamperedReplayedReorderedAndOutOfTurnMessagesAreRefused() throws Exception
    {
        final SecureRandom random = new SecureRandom();
        final NoiseXX init = withRandomKeys(true, PROLOGUE, random);
        final NoiseXX resp = withRandomKeys(false, PROLOGUE, random);
        assertThrows(NoiseException.class, () -> resp.write(new byte[0]), "the initiator writes first");
        resp.read(init.write(new byte[0]));
        final byte[] second = resp.write("hello".getBytes());
        final byte[] flipped = second.clone();
        flipped[40] ^= 1;
        final NoiseXX copy = withRandomKeys(true, PROLOGUE, random);
        assertThrows(NoiseException.class, () -> init.read(flipped), "a flipped byte in a handshake message");
        assertThrows(NoiseException.class, () -> init.read(second), "and the handshake is dead after it");
        assertThrows(NoiseException.class, () -> copy.read(second), "a message out of turn");

        final NoiseXX a = withRandomKeys(true, PROLOGUE, random);
        final NoiseXX b = withRandomKeys(false, PROLOGUE, random);
        b.read(a.write(new byte[0]));
        a.read(b.write(new byte[0]));
        b.read(a.write(new byte[0]));
        final NoiseCipher out = a.sender();
        final NoiseCipher in = b.receiver();
        final byte[] one = out.encrypt(new byte[0], "one".getBytes());
        final byte[] two = out.encrypt(new byte[0], "two".getBytes());
        assertThrows(NoiseException.class, () -> in.decrypt(new byte[0], two), "reordered: two before one");
        assertArrayEquals("one".getBytes(), in.decrypt(new byte[0], one));
        assertThrows(NoiseException.class, () -> in.decrypt(new byte[0], one), "replayed");
        final byte[] bad = two.clone();
        bad[0] ^= 1;
        assertThrows(NoiseException.class, () -> in.decrypt(new byte[0], bad), "tampered");
        assertArrayEquals("two".getBytes(), in.decrypt(new byte[0], two));

        final NoiseXX other = withRandomKeys(true, "another prologue".getBytes(), random);
        final NoiseXX peer = withRandomKeys(false, PROLOGUE, random);
        peer.read(other.write(new byte[0]));
        assertThrows(NoiseException.class, () -> other.read(peer.write(new byte[0])),
            "different prologues never complete");
    }

    private static NoiseXX withRandomKeys(final boolean initiator, final byte[] prologue, final SecureRandom random)
    {
        return new NoiseXX(SecureHandshake.SUITE, initiator, prologue, X25519.generate(random),
            () -> X25519.generate(random));
    }
}
