package dev.cell.ring;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Mounts a small tmpfs for the full-file-system tests (needs root; callers skip with the returned reason otherwise).
 */
final class Tmpfs
{
    private Tmpfs()
    {
    }

    /**
     * @return null when mounted, else why not.
     */
    static String mount(final Path dir, final String size)
    {
        if (!"root".equals(System.getProperty("user.name")))
        {
            return "not running as root";
        }
        return run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", dir.toString());
    }

    static void unmount(final Path dir)
    {
        run("umount", "-l", dir.toString());
    }

    private static String run(final String... command)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                return String.join(" ", command) + " timed out";
            }
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 ? null : String.join(" ", command) + " failed: " + out;
        }
        catch (final Exception ex)
        {
            return ex.toString();
        }
    }
}
