package dev.cell.runtime.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentityTest
{
    @TempDir
    Path home;

    @Test
    void createdOnceOwnerOnlyAndStable() throws Exception
    {
        final Identity first = Identity.host(home);
        final Path file = home.resolve("identity/host.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(first.publicId(), Identity.host(home).publicId(), "read back, not created again");
        assertTrue(first.publicId().startsWith("ed25519:") && first.publicId().length() == 8 + 43, first.publicId());
        assertNotEquals(first.publicId(), Identity.loadOrCreate(home.resolve("other.key")).publicId());
    }

    @Test
    void signaturesVerifyOnlyForTheirKeyAndMessage()
    {
        final Identity a = Identity.host(home);
        final Identity b = Identity.loadOrCreate(home.resolve("b.key"));
        final byte[] message = "push acme/exchange".getBytes(StandardCharsets.UTF_8);
        final byte[] sig = a.sign(message);
        assertTrue(Identity.verify(a.publicId(), message, sig));
        assertFalse(Identity.verify(b.publicId(), message, sig), "another key");
        final byte[] other = message.clone();
        other[0] ^= 1;
        assertFalse(Identity.verify(a.publicId(), other, sig), "another message");
        final byte[] flipped = sig.clone();
        flipped[10] ^= 1;
        assertFalse(Identity.verify(a.publicId(), message, flipped), "a flipped signature bit");
        assertFalse(Identity.verify("ed25519:short", message, sig));
        assertFalse(Identity.verify("rsa:" + a.publicId().substring(8), message, sig));
        assertFalse(Identity.verify(a.publicId(), message, new byte[3]));
    }

    @Test
    void aFileThatIsNoIdentityIsRefused() throws Exception
    {
        final Path bad = home.resolve("bad.key");
        Files.writeString(bad, "not a key\n");
        assertThrows(IllegalArgumentException.class, () -> Identity.loadOrCreate(bad));
    }
}
