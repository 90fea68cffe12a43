package dev.cell.registry;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * What a listener makes of a datagram: a beacon signed by its key is heard; a forged, altered, stale, oversized or
 * malformed one, or random bytes, is not (the multicast itself runs between network namespaces in the system tests'
 * {@code RegistryNamespacesSystemTest}).
 */
class RegistryBeaconTest
{
    @TempDir
    Path dir;

    @Test
    void onlyAWellFormedSignedFreshBeaconIsHeard()
    {
        final Identity key = Identity.loadOrCreate(dir.resolve("registry.key"));
        final Identity other = Identity.loadOrCreate(dir.resolve("other.key"));
        final long now = 1_700_000_000_000L;
        final byte[] good = RegistryBeacon.payload(key, "10.0.0.1:7471", now);
        assertEquals(new RegistryBeacon.Heard("10.0.0.1:7471", key.publicId(), "10.0.0.1"),
            RegistryBeacon.parse(good, good.length, now + 500, "10.0.0.1"));

        final String text = new String(good, StandardCharsets.UTF_8);
        final byte[] moved = text.replace("10.0.0.1:7471", "10.6.6.6:7471").getBytes(StandardCharsets.UTF_8);
        assertNull(RegistryBeacon.parse(moved, moved.length, now, "x"), "an altered endpoint breaks the signature");
        final byte[] claimed = text.replace(key.publicId(), other.publicId()).getBytes(StandardCharsets.UTF_8);
        assertNull(RegistryBeacon.parse(claimed, claimed.length, now, "x"), "another key's name on this signature");
        assertNull(RegistryBeacon.parse(good, good.length, now + RegistryBeacon.MAX_SKEW_MS + 1, "x"), "stale");
        assertNull(RegistryBeacon.parse(good, good.length - 1, now, "x"), "cut short");
        assertNull(RegistryBeacon.parse(new byte[RegistryBeacon.MAX_BYTES + 1], RegistryBeacon.MAX_BYTES + 1, now,
            "x"), "too long");
        final long seed = System.nanoTime();
        System.out.println("RegistryBeaconTest seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 2_000; i++)
        {
            final byte[] b = good.clone();
            b[random.nextInt(b.length)] ^= (byte)(1 + random.nextInt(255));
            final RegistryBeacon.Heard h = RegistryBeacon.parse(b, b.length, now, "x");
            if (h != null)
            {
                assertEquals("10.0.0.1:7471", h.endpoint(), "a flipped byte that still verifies changed nothing");
                assertEquals(key.publicId(), h.key());
            }
            final byte[] noise = new byte[random.nextInt(RegistryBeacon.MAX_BYTES)];
            random.nextBytes(noise);
            assertNull(RegistryBeacon.parse(noise, noise.length, now, "x"));
        }
    }
}
