package dev.cell.tissue.build;

import dev.cell.runtime.discovery.InstanceRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The build sandbox on its own: a command inside may write its folder and nothing else, opens no socket, cannot
 * undo the read-only mounts and does not see the cell home's identity; the same commands outside succeed, so each
 * refusal is the sandbox's doing.
 */
@Timeout(120)
class CapsidTest
{
    private static final long TIMEOUT_S = 30;

    private Path tmp;
    private String lastOutput = "";
    private Path folder;
    private Path home;

    @BeforeEach
    void setUp() throws IOException
    {
        assumeTrue(Capsid.support().namespaces(), "no user namespaces here: " + Capsid.support().reason());
        // Not under /tmp, which the sandbox covers only when the build folder is elsewhere.
        tmp = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "capsid-");
        folder = Files.createDirectories(tmp.resolve("build"));
        home = Files.createDirectories(tmp.resolve("home"));
        Files.createDirectories(home.resolve("identity"));
        Files.writeString(home.resolve("identity").resolve("host.key"), "secret\n");
    }

    @AfterEach
    void tearDown()
    {
        if (tmp != null)
        {
            InstanceRegistry.deleteTree(tmp);
        }
    }

    @Test
    void writesInsideItsFolderButNowhereElse() throws Exception
    {
        final Path outside = tmp.resolve("outside.txt");
        final Path hostTmp = Path.of("/tmp", "capsid-test-" + UUID.randomUUID());
        try (Capsid capsid = Capsid.open(folder, Capsid.Options.offline(home)))
        {
            assertTrue(capsid.confined(), capsid.notes().toString());
            assertEquals(0, sh(capsid, "echo in > inside.txt && mkdir -p target/classes && echo c > target/classes/c"),
                () -> "writing its own folder works: " + lastOutput);
            assertEquals("in\n", Files.readString(folder.resolve("inside.txt")));
            assertNotEquals(0, sh(capsid, "echo out > '" + outside + "'"), "a write next to its folder fails");
            assertNotEquals(0, sh(capsid, "echo out > '" + hostTmp + "'"), "a write to /tmp fails");
            assertNotEquals(0, sh(capsid, "mkdir '" + tmp.resolve("made") + "'"), "so does a mkdir");
            assertNotEquals(0, sh(capsid, "mount -o remount,bind,rw / && echo out > '" + outside + "'"),
                "it cannot remount the root writable");
            assertNotEquals(0, sh(capsid, "umount '" + folder + "' && echo out > '" + outside + "'"),
                "nor unmount its own folder's bind");
            assertNotEquals(0, sh(capsid, "cat '" + home.resolve("identity/host.key") + "'"),
                "the cell home's identity is covered");
        }
        assertFalse(Files.exists(outside), "nothing was written outside");
        assertFalse(Files.exists(hostTmp), "nothing was written to the host's /tmp");
        assertFalse(Files.exists(tmp.resolve("made")));

        assertEquals(0, unsandboxed("echo out > '" + outside + "' && cat '" + home.resolve("identity/host.key") +
            "' > /dev/null"), "the same writes and reads work outside the sandbox");
        assertTrue(Files.exists(outside));
    }

    @Test
    void opensNoSocketNotEvenToTheHostsLoopback() throws Exception
    {
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress()))
        {
            final String connect = "exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort();
            server.setSoTimeout(1);
            try (Capsid capsid = Capsid.open(folder, Capsid.Options.offline(home)))
            {
                assertNotEquals(0, run(capsid, List.of("bash", "-c", connect)), "a TCP connect fails inside");
                assertNotEquals(0, run(capsid, List.of("bash", "-c", "exec 3<>/dev/udp/127.0.0.1/53 && echo x >&3")),
                    "so does a UDP send");
            }
            // A connect that succeeded would be in the accept queue by the time its process exited.
            assertThrows(SocketTimeoutException.class, server::accept, "no connection reached the host");

            final Process outside = new ProcessBuilder("bash", "-c", connect).start();
            assertEquals(0, outside.waitFor(), "the same connect works outside the sandbox");
            server.setSoTimeout(10_000);
            server.accept().close();
        }
    }

    @Test
    void joinsItsOwnCgroupAndSaysWhatItEnforces() throws Exception
    {
        try (Capsid capsid = Capsid.open(folder, Capsid.Options.offline(home)))
        {
            final Path log = tmp.resolve("cgroup.out");
            assertEquals(0, capsid.run(folder, List.of("cat", "/proc/self/cgroup"), log, TIMEOUT_S));
            final String notes = String.join("\n", capsid.notes());
            assertTrue(notes.contains("network: enforced"), notes);
            assertTrue(notes.contains("writes: enforced"), notes);
            if (notes.contains("memory: enforced"))
            {
                assertTrue(Files.readString(log).contains("/cell/capsid-" + ProcessHandle.current().pid() + "/build-"),
                    Files.readString(log));
            }
        }
    }

    private int sh(final Capsid capsid, final String script) throws Exception
    {
        return run(capsid, List.of("/bin/sh", "-c", script));
    }

    private int run(final Capsid capsid, final List<String> command) throws Exception
    {
        final Path log = Files.createTempFile(tmp, "capsid-", ".out");
        final int code = capsid.run(folder, command, log, TIMEOUT_S);
        lastOutput = Files.readString(log);
        return code;
    }

    private int unsandboxed(final String script) throws Exception
    {
        final Process p = new ProcessBuilder("/bin/sh", "-c", script).directory(folder.toFile()).start();
        return p.waitFor();
    }
}
