package dev.cell.examples.kv;

import dev.cell.runtime.JvmFlags;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway second local user for {@link KvOtherUserTest}: created with {@code useradd} (no home, no login shell),
 * deleted in {@link #close()} after every process it still runs is killed by pid. It runs {@link OtherUserProbe}
 * through {@code setpriv} (which execs the JVM, so the child is the probe itself) or, where that is missing,
 * {@code runuser}. Its class path is a copy of this test's (jars hard-linked, else copied; folders copied) in a
 * folder every user can read: {@code /root} and the Maven repository under it are 0700. Test support.
 */
final class OtherUser implements AutoCloseable
{
    private static final List<Path> SETPRIV = List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"));
    private static final List<Path> RUNUSER = List.of(Path.of("/usr/sbin/runuser"), Path.of("/sbin/runuser"));
    private static final List<Path> USERADD = List.of(Path.of("/usr/sbin/useradd"), Path.of("/sbin/useradd"));
    private static final List<Path> USERDEL = List.of(Path.of("/usr/sbin/userdel"), Path.of("/sbin/userdel"));

    final String name;
    final Path dir;
    final Path scratch;
    private final String uid;
    private final String gid;
    private final String classPath;

    private OtherUser(final String name, final Path dir, final Path scratch, final String uid, final String gid,
        final String classPath)
    {
        this.name = name;
        this.dir = dir;
        this.scratch = scratch;
        this.uid = uid;
        this.gid = gid;
        this.classPath = classPath;
    }

    /**
     * @return why this machine cannot run the test, or null when it can (root, useradd, userdel, setpriv or runuser).
     */
    static String cannotRun()
    {
        final Object uid;
        try
        {
            uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return "cannot tell this process's uid (no /proc/self): " + ex;
        }
        if (!Integer.valueOf(0).equals(uid))
        {
            return "the test runs as uid " + uid + ", not root: it cannot create a second local user";
        }
        if (find(USERADD).isEmpty() || find(USERDEL).isEmpty())
        {
            return "useradd/userdel are missing: cannot create a second local user";
        }
        if (find(SETPRIV).isEmpty() && find(RUNUSER).isEmpty())
        {
            return "neither setpriv nor runuser is installed: cannot run a program as another user";
        }
        return null;
    }

    private static Optional<Path> find(final List<Path> candidates)
    {
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Create the user and the folder its programs run from.
     *
     * @param classPath this JVM's class path entries, to copy.
     */
    static OtherUser create(final List<String> classPath) throws IOException, InterruptedException
    {
        final String name = "cell-other-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
        final Path dir = Files.createTempDirectory(Path.of("/tmp"), "cell-other-user-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        final String created = exec(List.of(find(USERADD).orElseThrow().toString(), "-M", "-r", "-U", "-s",
            "/usr/sbin/nologin", name));
        if (created != null)
        {
            KvCluster.deleteTree(dir);
            throw new IOException("useradd " + name + " failed: " + created);
        }
        try
        {
            return prepare(name, dir, classPath);
        }
        catch (final IOException | RuntimeException ex)
        {
            exec(List.of(find(USERDEL).orElseThrow().toString(), name));
            KvCluster.deleteTree(dir);
            throw ex;
        }
    }

    private static OtherUser prepare(final String name, final Path dir, final List<String> classPath)
        throws IOException, InterruptedException
    {
        final String uid = output(List.of("id", "-u", name));
        final String gid = output(List.of("id", "-g", name));
        final Path scratch = Files.createDirectory(dir.resolve("scratch"));
        Files.setOwner(scratch, scratch.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name));
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx------"));
        final List<String> entries = new ArrayList<>();
        final Path cp = Files.createDirectory(dir.resolve("cp"));
        int i = 0;
        for (final String entry : classPath)
        {
            final Path source = Path.of(entry);
            final Path target = cp.resolve((i++) + "-" + source.getFileName());
            if (Files.isDirectory(source))
            {
                copyTree(source, target);
            }
            else if (Files.isRegularFile(source))
            {
                try
                {
                    Files.createLink(target, source);
                }
                catch (final IOException | UnsupportedOperationException ex)
                {
                    Files.copy(source, target);
                }
            }
            else
            {
                continue;
            }
            entries.add(target.toString());
        }
        makeReadable(dir, scratch);
        return new OtherUser(name, dir, scratch, uid, gid, String.join(File.pathSeparator, entries));
    }

    private static void copyTree(final Path source, final Path target) throws IOException
    {
        try (Stream<Path> paths = Files.walk(source))
        {
            for (final Path p : paths.toList())
            {
                final Path t = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(t);
                }
                else
                {
                    Files.copy(p, t);
                }
            }
        }
    }

    /**
     * 0755 folders, 0644 files, whatever the umask: the copies must be readable by the other user.
     */
    private static void makeReadable(final Path dir, final Path except) throws IOException
    {
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path p : paths.filter(p -> !p.startsWith(except)).toList())
            {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ?
                    "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /**
     * Run {@link OtherUserProbe} with a plan.
     *
     * @param asOwner true to run it as this process's user (the control), false as the other user.
     * @param plan    the probes, one per line.
     * @param tag     names the plan and output files.
     * @return what it printed.
     */
    String probe(final boolean asOwner, final List<String> plan, final String tag)
        throws IOException, InterruptedException
    {
        final Path planFile = dir.resolve(tag + ".plan");
        Files.writeString(planFile, String.join("\n", plan) + "\n");
        Files.setPosixFilePermissions(planFile, PosixFilePermissions.fromString("rw-r--r--"));
        final List<String> cmd = new ArrayList<>();
        if (!asOwner)
        {
            final Optional<Path> setpriv = find(SETPRIV);
            if (setpriv.isPresent())
            {
                cmd.addAll(List.of(setpriv.get().toString(), "--reuid=" + uid, "--regid=" + gid, "--clear-groups"));
            }
            else
            {
                cmd.addAll(List.of(find(RUNUSER).orElseThrow().toString(), "-u", name, "--"));
            }
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.FLAGS);
        cmd.addAll(List.of("-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-Xmx128m",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-Djava.io.tmpdir=" + scratch, "-cp", classPath,
            OtherUserProbe.class.getName(), planFile.toString()));
        final Path out = dir.resolve(tag + ".out");
        final Path err = dir.resolve(tag + ".err");
        final ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
            .redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().put("HOME", asOwner ? dir.toString() : scratch.toString());
        final Process p = pb.start();
        try
        {
            if (!p.waitFor(240, TimeUnit.SECONDS))
            {
                throw new AssertionError("the probe as " + (asOwner ? "owner" : name) + " ran over 240 s:\n" +
                    Files.readString(out) + Files.readString(err));
            }
            final String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0)
            {
                throw new AssertionError("the probe as " + (asOwner ? "owner" : name) + " failed with exit " +
                    p.exitValue() + " (a broken probe, not a refusal):\n" + text + Files.readString(err));
            }
            return text;
        }
        finally
        {
            p.destroyForcibly();
        }
    }

    /**
     * Kill whatever still runs as this user (by pid), delete it and its folder.
     */
    @Override
    public void close() throws IOException, InterruptedException
    {
        for (final ProcessHandle h : ProcessHandle.allProcesses()
            .filter(h -> h.info().user().map(name::equals).orElse(false)).toList())
        {
            h.destroyForcibly();
            h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(ex -> h).join();
        }
        final String deleted = exec(List.of(find(USERDEL).orElseThrow().toString(), name));
        KvCluster.deleteTree(dir);
        KvCluster.deleteTree(Path.of("/tmp/hsperfdata_" + name));
        if (deleted != null)
        {
            throw new IOException("userdel " + name + " failed: " + deleted);
        }
    }

    private static String exec(final List<String> cmd) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try
        {
            if (!p.waitFor(60, TimeUnit.SECONDS))
            {
                return "timed out after 60 s";
            }
            final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + text;
        }
        finally
        {
            p.destroyForcibly();
        }
    }

    private static String output(final List<String> cmd) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try
        {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
            {
                throw new IOException(String.join(" ", cmd) + " failed");
            }
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        finally
        {
            p.destroyForcibly();
        }
    }
}
