package dev.cell.runtime.secure;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecureHandshakeTest
{
    private static final byte[] PROLOGUE = "cell axon v1 exchange".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();

    @Test
    void bothSidesLearnTheOthersIdentityAndShareKeys() throws Exception
    {
        final Identity trader = Identity.loadOrCreate(dir.resolve("trader.key"));
        final Identity exchange = Identity.loadOrCreate(dir.resolve("exchange.key"));
        final SecureHandshake client = new SecureHandshake(true, PROLOGUE, trader,
            Set.of(exchange.publicId())::contains, random);
        final SecureHandshake server = new SecureHandshake(false, PROLOGUE, exchange,
            Set.of(trader.publicId())::contains, random);
        server.read(client.write());
        client.read(server.write());
        server.read(client.write());
        assertTrue(client.done() && server.done());
        assertEquals(exchange.publicId(), client.remoteIdentity());
        assertEquals(trader.publicId(), server.remoteIdentity());
        final byte[] c = client.noise().sender().encrypt(new byte[0], "marker-4711".getBytes());
        assertFalse(new String(c, StandardCharsets.ISO_8859_1).contains("marker-4711"), "no plaintext on the wire");
        assertArrayEquals("marker-4711".getBytes(), server.noise().receiver().decrypt(new byte[0], c));
    }

    @Test
    void aCallerWhoseKeyIsNotAllowedIsRefusedByName() throws Exception
    {
        final Identity stranger = Identity.loadOrCreate(dir.resolve("stranger.key"));
        final Identity exchange = Identity.loadOrCreate(dir.resolve("exchange.key"));
        final SecureHandshake client = new SecureHandshake(true, PROLOGUE, stranger, id -> true, random);
        final SecureHandshake server = new SecureHandshake(false, PROLOGUE, exchange, id -> false, random);
        server.read(client.write());
        client.read(server.write());
        final byte[] third = client.write();
        final NoiseException refused = assertThrows(NoiseException.class, () -> server.read(third));
        assertTrue(refused.getMessage().contains(stranger.publicId()), refused.getMessage());
        assertFalse(server.done());
    }

    @Test
    void aTokenTravelsInTheCallersPayloadAndTheResponderDecides() throws Exception
    {
        final Identity caller = Identity.loadOrCreate(dir.resolve("caller.key"));
        final Identity exchange = Identity.loadOrCreate(dir.resolve("exchange.key"));
        final String[] seen = new String[2];
        final SecureHandshake client = new SecureHandshake(true, PROLOGUE, caller, "cellaccess1.opaque",
            (who, token) -> null, random);
        final SecureHandshake server = new SecureHandshake(false, PROLOGUE, exchange, null, (who, token) ->
        {
            seen[0] = who;
            seen[1] = token;
            return "cellaccess1.opaque".equals(token) ? null : "no token";
        }, random);
        server.read(client.write());
        client.read(server.write());
        server.read(client.write());
        assertTrue(server.done());
        assertEquals(caller.publicId(), seen[0]);
        assertEquals("cellaccess1.opaque", seen[1]);

        final SecureHandshake plain = new SecureHandshake(true, PROLOGUE, caller, id -> true, random);
        final SecureHandshake strict = new SecureHandshake(false, PROLOGUE, exchange, null, (who, token) ->
            token == null ? "identity " + who + " brought no token" : null, random);
        strict.read(plain.write());
        plain.read(strict.write());
        final byte[] third = plain.write();
        final NoiseException refused = assertThrows(NoiseException.class, () -> strict.read(third));
        assertTrue(refused.getMessage().contains("brought no token"), refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SecureHandshake(false, PROLOGUE, exchange,
            "cellaccess1.opaque", (who, token) -> null, random), "only a caller presents a token");
    }

    @Test
    void anIdentityPayloadSignedForAnotherStaticKeyIsRefused() throws Exception
    {
        // A man in the middle who holds a genuine signed payload of the exchange (for the exchange's own Noise key)
        // completes a handshake with his own static key and that payload: the signature does not cover his key.
        final Identity trader = Identity.loadOrCreate(dir.resolve("trader.key"));
        final Identity exchange = Identity.loadOrCreate(dir.resolve("exchange.key"));
        final byte[] stolen = SecureHandshake.payload(exchange, X25519.generate(random).publicKey());
        final SecureHandshake victim = new SecureHandshake(true, PROLOGUE, trader, id -> true, random);
        final NoiseXX attacker = new NoiseXX(SecureHandshake.SUITE, false, PROLOGUE, X25519.generate(random),
            () -> X25519.generate(random));
        attacker.read(victim.write());
        final NoiseException refused = assertThrows(NoiseException.class, () -> victim.read(attacker.write(stolen)));
        assertTrue(refused.getMessage().contains("did not sign the static key"), refused.getMessage());
        assertFalse(victim.done());
    }
}
