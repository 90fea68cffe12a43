package dev.cell.runtime.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An access token admits exactly the caller and cell it names, signed by an allowed key, within its time; every
 * other token is refused with why.
 */
class AccessTokenTest
{
    private static final long NOW = 1_800_000_000L;

    @TempDir
    Path dir;

    @Test
    void aTokenAdmitsOnlyItsCallerForItsCellInItsTime()
    {
        final Identity granter = Identity.loadOrCreate(dir.resolve("granter.key"));
        final Identity stranger = Identity.loadOrCreate(dir.resolve("stranger.key"));
        final String caller = Identity.loadOrCreate(dir.resolve("caller.key")).publicId();
        final Set<String> allowed = Set.of(granter.publicId());
        final String token = AccessToken.grant(granter, caller, "exchange", Duration.ofMinutes(10), NOW);
        assertNull(AccessToken.problem(token, caller, "exchange", allowed, NOW));
        assertNull(AccessToken.problem(token, caller, "exchange", allowed, NOW + 599));

        assertContains(AccessToken.problem(token, stranger.publicId(), "exchange", allowed, NOW), "is for " + caller);
        assertContains(AccessToken.problem(token, caller, "quotes", allowed, NOW), "for cell 'exchange'");
        assertContains(AccessToken.problem(token, caller, "exchange", Set.of(stranger.publicId()), NOW),
            "not one of this cell's allowed keys");
        assertContains(AccessToken.problem(token, caller, "exchange", allowed, NOW + 600), "expired");
        assertContains(AccessToken.problem(token, caller, "exchange", allowed, NOW - 3_600), "more than 10 minutes");
        // One character of the signature changed, or the expiry moved: the signature no longer holds.
        final String sig = token.substring(token.lastIndexOf('.') + 1);
        final String flipped = token.substring(0, token.lastIndexOf('.') + 1) +
            (sig.charAt(0) == 'A' ? 'B' : 'A') + sig.substring(1);
        assertContains(AccessToken.problem(flipped, caller, "exchange", allowed, NOW), "does not hold");
        final String later = token.replace("." + (NOW + 600) + ".", "." + (NOW + 601) + ".");
        assertContains(AccessToken.problem(later, caller, "exchange", allowed, NOW), "does not hold");
        // A stranger's token naming the granter as its signer is not the granter's.
        final String forged = AccessToken.grant(stranger, caller, "exchange", Duration.ofMinutes(5), NOW)
            .replace(stranger.publicId(), granter.publicId());
        assertContains(AccessToken.problem(forged, caller, "exchange", allowed, NOW), "does not hold");
        assertContains(AccessToken.problem("cellaccess1.x", caller, "exchange", allowed, NOW), "not an access token");
        assertContains(AccessToken.problem("x".repeat(401), caller, "exchange", allowed, NOW), "at most 400");

        assertThrows(IllegalArgumentException.class, () -> AccessToken.grant(granter, caller, "exchange",
            Duration.ofMinutes(11), NOW));
        assertThrows(IllegalArgumentException.class, () -> AccessToken.grant(granter, "nobody", "exchange",
            Duration.ofMinutes(1), NOW));
    }

    private static void assertContains(final String problem, final String part)
    {
        assertTrue(problem != null && problem.contains(part), part + " in " + problem);
    }
}
