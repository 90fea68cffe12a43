package dev.cell.git;

import dev.cell.runtime.identity.Identity;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A signed {@code Cell.json}: what its signature covers, the checks every reader makes, and its ref in git.
 */
class SignedManifestTest
{
    @TempDir
    Path tmp;

    @Test
    void theSignatureCoversTheExactBytesAndNamesItsSigner()
    {
        final Identity owner = Identity.loadOrCreate(tmp.resolve("owner.key"));
        final SignedManifest m = SignedManifest.sign(fields(owner, "v1"), owner);
        final SignedManifest read = SignedManifest.parse(m.json(), m.signatureFile());
        assertTrue(read.signatureHolds());
        assertNull(read.problem("v1"));
        assertEquals(owner.publicId(), read.signer());
        assertEquals("a".repeat(64), read.field("artifactSha256"));

        final byte[] altered = m.json();
        final String text = new String(altered, StandardCharsets.UTF_8).replace("a".repeat(64), "b".repeat(64));
        final SignedManifest tampered = SignedManifest.parse(text.getBytes(StandardCharsets.UTF_8),
            m.signatureFile());
        assertTrue(tampered.problem("v1").contains("does not hold"), tampered.problem("v1"));

        assertTrue(read.problem("v2").contains("not of v2"), read.problem("v2"));
    }

    @Test
    void aSignatureFileThatNamesAnotherKeyDoesNotHold()
    {
        final Identity owner = Identity.loadOrCreate(tmp.resolve("owner.key"));
        final Identity stranger = Identity.loadOrCreate(tmp.resolve("stranger.key"));
        final SignedManifest m = SignedManifest.sign(fields(owner, "v1"), owner);
        final String sig = new String(m.signatureFile(), StandardCharsets.US_ASCII)
            .replace(owner.publicId(), stranger.publicId());
        final SignedManifest relabelled = SignedManifest.parse(m.json(), sig.getBytes(StandardCharsets.US_ASCII));
        assertTrue(relabelled.problem("v1").contains("does not hold"), relabelled.problem("v1"));

        // Signed by the stranger but naming the owner inside: the owner field must be the signer.
        final SignedManifest claimed = SignedManifest.sign(fields(owner, "v1"), stranger);
        assertTrue(claimed.problem("v1").contains("but is signed by " + stranger.publicId()),
            claimed.problem("v1"));

        assertThrows(IllegalArgumentException.class, () -> SignedManifest.parse(m.json(),
            "not a signature".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void travelsAsARefPerTag() throws Exception
    {
        final Identity owner = Identity.loadOrCreate(tmp.resolve("owner.key"));
        try (Git git = Git.init().setDirectory(tmp.resolve("repo").toFile()).call())
        {
            assertNull(SignedManifest.readRef(git.getRepository(), "v1"));
            final SignedManifest m = SignedManifest.sign(fields(owner, "v1"), owner);
            m.writeRef(git.getRepository(), "v1");
            final SignedManifest read = SignedManifest.readRef(git.getRepository(), "v1");
            assertArrayEquals(m.json(), read.json());
            assertArrayEquals(m.signatureFile(), read.signatureFile());
            assertNull(read.problem("v1"));
            assertEquals("refs/cell/manifests/v1", SignedManifest.ref("v1"));
        }
    }

    static Map<String, Object> fields(final Identity owner, final String tag)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", SignedManifest.FORMAT);
        m.put("name", "exchange");
        m.put("version", "1.0.0");
        m.put("fingerprint", "0123456789abcdef");
        m.put("tag", tag);
        m.put("commit", "0".repeat(40));
        m.put("artifactSha256", "a".repeat(64));
        m.put("owner", owner.publicId());
        return m;
    }
}
