package dev.cell.git;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PushTokenTest
{
    private static final long NOW = 1_800_000_000L;

    @TempDir
    Path dir;

    @Test
    void aTokenOfAnAllowedIdentityIsAcceptedUntilItExpires()
    {
        final Identity a = Identity.loadOrCreate(dir.resolve("a.key"));
        final String token = PushToken.create(a, NOW, Duration.ofMinutes(10));
        assertEquals(a.publicId(), PushToken.verify(token, Set.of(a.publicId()), NOW));
        assertEquals(a.publicId(), PushToken.verify(token, Set.of(a.publicId()), NOW + 599));
        assertNull(PushToken.verify(token, Set.of(a.publicId()), NOW + 600), "expired");
    }

    @Test
    void otherIdentitiesTamperingAndLongLivesAreRefused()
    {
        final Identity a = Identity.loadOrCreate(dir.resolve("a.key"));
        final Identity b = Identity.loadOrCreate(dir.resolve("b.key"));
        final String token = PushToken.create(b, NOW, Duration.ofMinutes(5));
        assertNull(PushToken.verify(token, Set.of(a.publicId()), NOW), "b is not allowed");
        // b's token relabelled as a's: the signature is b's, so it does not hold for a
        final String relabelled = token.replace(b.publicId(), a.publicId());
        assertNull(PushToken.verify(relabelled, Set.of(a.publicId(), b.publicId()), NOW));
        // a later expiry written over a valid token: the signature no longer holds
        final String ok = PushToken.create(a, NOW, Duration.ofMinutes(5));
        final String stretched = ok.replace("." + (NOW + 300) + ".", "." + (NOW + 590) + ".");
        assertNull(PushToken.verify(stretched, Set.of(a.publicId()), NOW));
        // a token that claims more than ten minutes is refused even when its signature holds
        assertThrows(IllegalArgumentException.class, () -> PushToken.create(a, NOW, Duration.ofMinutes(11)));
        final String future = PushToken.create(a, NOW + 3600, Duration.ofMinutes(5));
        assertNull(PushToken.verify(future, Set.of(a.publicId()), NOW), "expiry too far ahead");
        for (final String junk : new String[] {"", "cellpush1.", "cellpush1.a.b.c", "x".repeat(10_000), null})
        {
            assertNull(PushToken.verify(junk, Set.of(a.publicId()), NOW));
        }
    }
}
