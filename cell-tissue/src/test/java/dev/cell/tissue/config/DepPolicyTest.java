package dev.cell.tissue.config;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code [deps.<name>.policy]}: how far a producer may be and whether it is spawned here; a policy makes the
 * dependency raced; auto-spawn needs a signed git release (git, tag, owner); every bad value is refused with its
 * line.
 */
class DepPolicyTest
{
    @TempDir
    Path dir;

    private String owner;

    @BeforeEach
    void owner()
    {
        owner = Identity.loadOrCreate(dir.resolve("owner.key")).publicId();
    }

    @Test
    void aPolicyIsReadAndMakesTheDependencyRaced() throws IOException
    {
        write("""
            [cell]
            name = "trader"

            [deps.exchange]
            git = "http://10.1.0.5:7780/acme/exchange"
            tag = "v1"
            owner = "%s"
            policy = { max_latency_ms = 5, auto_spawn = true, spawn_after = 8 }

            [deps]
            prices = { path = "../prices", policy = { max_latency_ms = 2.5 } }
            store = { path = "../store" }
            """.formatted(owner));
        final CellDeps deps = CellDeps.read(dir);
        final CellDeps.Dep exchange = deps.deps().get("exchange");
        assertEquals(new DepPolicy(5, true, false, 8), exchange.policy());
        assertTrue(exchange.race(), "a dependency with a policy is raced");
        assertEquals(new DepPolicy(2.5, false, false, DepPolicy.DEFAULT_SPAWN_AFTER), deps.deps().get("prices").policy());
        assertNull(deps.deps().get("store").policy());
        assertFalse(deps.deps().get("store").race());
        assertTrue(exchange.policy().tooFar(5.01));
        assertFalse(exchange.policy().tooFar(5));
        assertFalse(new DepPolicy(0, true, false, 4).tooFar(1e9), "no max: never too far");
        assertEquals("exchange too far (best 33.34 ms > max 5 ms) and local spawn disabled: set auto_spawn = true " +
            "in [deps.exchange.policy] to build and start it here from its git release, or raise max_latency_ms",
            exchange.policy().tooFarMessage("exchange", 33.3449));
    }

    @Test
    void badValuesAreRefusedWithTheirLine() throws IOException
    {
        refused("policy = { max_latency_ms = -1 }", "max_latency_ms = -1 must be a positive number");
        refused("policy = { max_latency_ms = \"5\" }", "must be a positive number of milliseconds");
        refused("policy = { auto_spawn = \"yes\" }", "auto_spawn = \"yes\" must be true or false");
        refused("policy = { spawn_after = 0 }", "spawn_after = 0 must be a whole number of looks from 1 to 1000");
        refused("policy = { fast = true }", "unknown key 'deps.exchange.policy.fast'");
        refused("policy = 5", "policy must be a table");
        refused("policy = { offline_vendor = true }", "offline_vendor keeps the build a spawn starts from, which " +
            "needs auto_spawn = true");
    }

    @Test
    void autoSpawnNeedsASignedGitRelease() throws IOException
    {
        write("""
            [cell]
            name = "trader"

            [deps]
            exchange = { path = "../exchange", policy = { auto_spawn = true } }
            """);
        final ConfigError noGit = assertThrows(ConfigError.class, () -> CellDeps.read(dir));
        assertTrue(noGit.getMessage().contains("auto_spawn builds the producer from its signed git release, which " +
            "needs git"), noGit.getMessage());
        write("""
            [cell]
            name = "trader"

            [deps]
            exchange = { git = "http://h/acme/exchange", tag = "v1", policy = { auto_spawn = true } }
            """);
        final ConfigError noOwner = assertThrows(ConfigError.class, () -> CellDeps.read(dir));
        assertTrue(noOwner.getMessage().contains("owner = \"ed25519:...\""), noOwner.getMessage());
        assertEquals(5, noOwner.line(), noOwner.getMessage());
    }

    private void refused(final String policy, final String expected) throws IOException
    {
        write("[cell]\nname = \"trader\"\n[deps]\nexchange = { git = \"http://h/acme/exchange\", tag = \"v1\", " +
            "owner = \"" + owner + "\", " + policy + " }\n");
        final ConfigError e = assertThrows(ConfigError.class, () -> CellDeps.read(dir), policy);
        assertTrue(e.getMessage().contains(expected), policy + ": " + e.getMessage());
        assertEquals(4, e.line(), e.getMessage());
    }

    private void write(final String toml) throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), toml);
    }
}
