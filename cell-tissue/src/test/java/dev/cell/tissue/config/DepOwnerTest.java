package dev.cell.tissue.config;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code [deps] x = { git, tag, owner }}: the owner identity a consumer pins for a git release's signed
 * {@code Cell.json}; only with {@code git}, and only a public identity.
 */
class DepOwnerTest
{
    @TempDir
    Path dir;

    @Test
    void aGitDependencyPinsItsOwner() throws IOException
    {
        final String owner = Identity.loadOrCreate(dir.resolve("owner.key")).publicId();
        write("""
            [cell]
            name = "trader"

            [deps]
            quotes = { git = "http://127.0.0.1:7780/acme/quotes", tag = "v1", owner = "%s" }
            store = { path = "../store" }
            """.formatted(owner));
        final CellDeps deps = CellDeps.read(dir);
        assertEquals(owner, deps.deps().get("quotes").owner());
        assertNull(deps.deps().get("store").owner());
    }

    @Test
    void anOwnerWithoutGitOrThatIsNoIdentityIsRefusedWithItsLine() throws IOException
    {
        final String owner = Identity.loadOrCreate(dir.resolve("owner.key")).publicId();
        write("[cell]\nname = \"trader\"\n[deps]\nstore = { path = \"../store\", owner = \"" + owner + "\" }\n");
        final ConfigError noGit = assertThrows(ConfigError.class, () -> CellDeps.read(dir));
        assertEquals(4, noGit.line(), noGit.getMessage());
        assertTrue(noGit.getMessage().contains("there is no git"), noGit.getMessage());

        write("[cell]\nname = \"trader\"\n[deps]\nquotes = { git = \"http://h/acme/quotes\", tag = \"v1\", " +
            "owner = \"alice\" }\n");
        final ConfigError notId = assertThrows(ConfigError.class, () -> CellDeps.read(dir));
        assertEquals(4, notId.line(), notId.getMessage());
        assertTrue(notId.getMessage().contains("is not an Ed25519 public identity"), notId.getMessage());
    }

    private void write(final String toml) throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), toml);
    }
}
