package dev.cell.examples.kv;

import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Another local user against a real kv tissue: {@code cell mitosis --detach} (a detached supervisor, three replicas,
 * one Raft group over gRPC with the group's mutual TLS), started as root; then a throwaway user (created here, deleted
 * in {@code finally}; the test is skipped with the reason printed when it does not run as root or cannot create
 * users) runs {@link OtherUserProbe} with the owner's paths, pids, ports, group id and a guessed token in hand. It can
 * read no junction, instance file, registry or supervisor entry, log or group file, list no run folder, read no
 * {@code /proc} entry of the instances; it cannot map the instance file (so it cannot post on the accept ring),
 * create a junction, connect and call a handler through the owner's cell home or through a forged registry entry;
 * {@code stop}, {@code stop-cell}, {@code restart} and {@code status} with a guessed token are refused and the
 * supervisor and every instance keep running with the same pids; and a Ratis client with the real group id and ports
 * submitting a well-formed {@code put} entry fails, in plain text, with a certificate of its own and without the
 * group key (unreadable), while the state hash and applied indexes stay as they were.
 * <p>
 * <b>Why the same test fails against a build that creates files 0644</b>: every probe is shown to detect what it
 * looks for. (1) In the same run as the other user, the read and map probes are pointed at a copy of the owner's real
 * files (instance file, a live junction, registry and supervisor entries, a log, the group's properties and key) laid
 * out as such a build would leave them, folders 0755 and files 0644, and at a 0644 file in a 0755 folder: the test
 * asserts that they report those readable and the junction mappable read-only — exactly what the real files would
 * report on such a build, which the test asserts never happens. (2) The very same plan run as the owner reads every
 * file, calls the handler (directly and through the forged entry), gets the supervisor's status with the real token
 * and, with the group key, gets its Raft entry applied (one more key): so the other user's refusals come from the
 * permissions and the TLS key, not from a probe that cannot work. (3) Last, the real files themselves are set to
 * 0644 and their folders to 0755 (what the umask gives a build that does not create them private) and the other
 * user's read and map probes run again on the same paths: every file now reads and the live junction maps.
 */
@Timeout(900)
class KvOtherUserTest
{
    private static final Set<PosixFilePermission> WIDE = Set.of(PosixFilePermission.GROUP_READ,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    @Test
    void anotherLocalUserCanReadNothingCallNothingStopNothingAndSubmitNothing() throws Exception
    {
        final String why = OtherUser.cannotRun();
        if (why != null)
        {
            System.out.println("KvOtherUserTest skipped: " + why);
        }
        assumeTrue(why == null, why);
        final long t0 = System.nanoTime();
        final Path root = Path.of(System.getProperty("cell.test.tmp", System.getProperty("java.io.tmpdir")))
            .toAbsolutePath().resolve("other-user-" + System.nanoTime());
        final Path cellDir = root.resolve("kv");
        final Path home = root.resolve("home");
        final List<String> classPath = List.of(System.getProperty("surefire.test.class.path",
            System.getProperty("java.class.path")).split(File.pathSeparator));
        final List<ProcessHandle> started = new ArrayList<>();
        try (OtherUser other = OtherUser.create(classPath))
        {
            try
            {
                mitosis(root, cellDir, home, classPath);
                System.out.printf("other user %s created, tissue up after %.1f s%n", other.name, secs(t0));
                probeTissue(other, root, cellDir, home, started);
                System.out.printf("KvOtherUserTest: %.1f s in all%n", secs(t0));
            }
            finally
            {
                stopTissue(root, cellDir, home, classPath, started);
            }
        }
    }

    private static void probeTissue(final OtherUser other, final Path root, final Path cellDir, final Path home,
        final List<ProcessHandle> started) throws Exception
    {
        final Map<String, Object> supervisor = supervisorEntry(home);
        final long supervisorPid = (Long)supervisor.get("pid");
        ProcessHandle.of(supervisorPid).ifPresent(started::add);
        final ClientOptions options = ClientOptions.defaults().withCellHome(home).withClientName("owner")
            .withConnectTimeout(Duration.ofSeconds(5)).withCallTimeout(Duration.ofSeconds(20));
        try (KvClient kv = KvClient.connect(options))
        {
            put(kv, "owner-key");
            final List<InstanceRecord> instances = InstanceRegistry.live(home, "kv");
            assertEquals(3, instances.size(), instances.toString());
            instances.forEach(r -> ProcessHandle.of(r.pid()).ifPresent(started::add));
            final Properties group = properties(cellDir.resolve(".cell/replicas/group.properties"));
            final String groupId = group.getProperty("group");
            final String peers = "r0@127.0.0.1:" + group.getProperty("port.0") + ",r1@127.0.0.1:" +
                group.getProperty("port.1") + ",r2@127.0.0.1:" + group.getProperty("port.2");
            final GroupState before = awaitSettled(cellDir, kv);
            final Map<String, Path> files = ownerFiles(cellDir, home, instances, supervisorPid);
            assertCellFilesPrivate(cellDir, home);

            // The same plan for both users; the owner's adds the real token (the other user only guesses).
            final InstanceRecord target = instances.getFirst();
            final Path scratchOwner = Files.createDirectory(other.dir.resolve("scratch-owner"));
            final List<String> common = new ArrayList<>();
            files.forEach((id, path) -> common.add("read " + id + " " + path));
            common.add("map map-junction " + files.get("junction"));
            common.add("map map-instance " + files.get("instance-dat"));
            common.add("instance open-instance " + files.get("instance-dat"));
            common.add("junction create-junction " + target.runDir().resolve("junctions"));
            common.add("call call-home " + home);
            final String guess = "0123456789abcdef0123456789abcdef";
            final int port = ((Long)supervisor.get("port")).intValue();
            for (final String line : List.of("stop", "stop-cell kv", "restart kv", "status"))
            {
                common.add("control ctl-" + line.replace(" kv", "") + " " + port + " " + line + " " + guess);
            }
            common.add("raft raft-plain " + groupId + " " + peers + " plain");
            final Path tls = cellDir.resolve(".cell/replicas/tls");
            final List<String> asOther = new ArrayList<>(common);
            asOther.add("forged call-forged " + other.scratch + " " + forgedArgs(target));
            asOther.add("raft raft-own-cert " + groupId + " " + peers + " own-cert " + other.scratch);
            asOther.add("raft raft-group-key " + groupId + " " + peers + " group-key " + tls.resolve("group.key") +
                " " + tls.resolve("group.crt"));
            final Map<String, Path> open = openCopies(other.dir, files);
            open.forEach((id, path) -> asOther.add("read " + id + " " + path));
            asOther.add("map open-map-junction " + open.get("open-junction"));

            final long tProbe = System.nanoTime();
            final Map<String, String> seen = parse(other.probe(false, asOther, "other"));
            System.out.printf("probe as %s: %d probes in %.1f s%n", other.name, seen.size(), secs(tProbe));
            seen.forEach((id, outcome) -> System.out.println("  " + other.name + " " + id + ": " + outcome));
            for (final String id : files.keySet())
            {
                expect(seen, id, "denied");
            }
            expect(seen, "map-junction", "denied");
            expect(seen, "map-instance", "denied");
            expect(seen, "open-instance", "denied");
            expect(seen, "create-junction", "denied");
            expect(seen, "call-home", "refused");
            expect(seen, "call-forged", "refused");
            for (final String ctl : List.of("ctl-stop", "ctl-stop-cell", "ctl-restart", "ctl-status"))
            {
                expect(seen, ctl, "reply error: refused");
            }
            // The Raft ports: plain text is cut off, a certificate of its own fails the TLS handshake.
            expect(seen, "raft-plain", "refused");
            assertTrue(seen.get("raft-plain").contains("UNAVAILABLE"), seen.get("raft-plain"));
            expect(seen, "raft-own-cert", "refused");
            assertTrue(seen.get("raft-own-cert").toLowerCase(java.util.Locale.ROOT).contains("ssl"),
                seen.get("raft-own-cert"));
            expect(seen, "raft-group-key", "refused cannot build the client's TLS identity: denied");
            // The probes detect: what a build creating 0644 files (in 0755 folders) would leave is readable.
            for (final String id : open.keySet())
            {
                expect(seen, id, "readable");
            }
            expect(seen, "open-map-junction", "mapped-ro");

            // Nothing stopped, restarted or changed.
            assertTrue(ProcessHandle.of(supervisorPid).map(ProcessHandle::isAlive).orElse(false),
                "the supervisor still runs");
            final List<InstanceRecord> after = InstanceRegistry.live(home, "kv");
            assertEquals(instances.stream().map(InstanceRecord::pid).sorted().toList(),
                after.stream().map(InstanceRecord::pid).sorted().toList(), "the same instances run");
            final GroupState unchanged = awaitSettled(cellDir, kv);
            assertEquals(before.keys(), unchanged.keys(), "no key was added");
            assertEquals(before.stateHash(), unchanged.stateHash(), "the state hash is unchanged");
            if (before.terms().equals(unchanged.terms()))
            {
                assertEquals(before.applied(), unchanged.applied(), "no entry was applied");
            }
            else
            {
                System.out.println("a leader election happened meanwhile (terms " + before.terms() + " -> " +
                    unchanged.terms() + "): applied indexes moved by its own entry; hash and keys compared only");
            }

            // The control: the same probes as the owner succeed, so the refusals above are the permissions' doing.
            final List<String> asOwner = new ArrayList<>(common);
            asOwner.add("forged call-forged " + scratchOwner + " " + forgedArgs(target));
            asOwner.add("control ctl-status-real " + port + " status " + supervisor.get("token"));
            asOwner.add("raft raft-own-cert " + groupId + " " + peers + " own-cert " + scratchOwner);
            asOwner.add("raft raft-group-key " + groupId + " " + peers + " group-key " + tls.resolve("group.key") +
                " " + tls.resolve("group.crt"));
            final long tOwner = System.nanoTime();
            final Map<String, String> owner = parse(other.probe(true, asOwner, "owner"));
            System.out.printf("probe as owner: %d probes in %.1f s%n", owner.size(), secs(tOwner));
            owner.forEach((id, outcome) -> System.out.println("  owner " + id + ": " + outcome));
            for (final String id : files.keySet())
            {
                expect(owner, id, "readable");
            }
            expect(owner, "map-junction", "mapped-rw");
            expect(owner, "map-instance", "mapped-rw");
            expect(owner, "open-instance", "opened");
            expect(owner, "create-junction", "created");
            expect(owner, "call-home", "answered");
            expect(owner, "call-forged", "answered");
            expect(owner, "ctl-stop", "reply error: refused");
            expect(owner, "ctl-status-real", "reply {");
            expect(owner, "raft-plain", "refused");
            expect(owner, "raft-own-cert", "refused");
            expect(owner, "raft-group-key", "accepted");
            final GroupState afterOwner = awaitSettled(cellDir, kv);
            assertEquals(before.keys() + 1, afterOwner.keys(), "the owner's Raft entry (with the group key) applied");

            // Last, the real files as a build creating them 0644 (folders 0755) would leave them: the same probes
            // as the other user now read every one of them and map the live junction, so each "denied" asserted
            // above would fail on such a build.
            final List<String> widened = new ArrayList<>();
            for (final Map.Entry<String, Path> e : files.entrySet())
            {
                if (!e.getValue().startsWith("/proc"))
                {
                    widened.add("read " + e.getKey() + " " + e.getValue());
                }
            }
            widened.add("map map-junction " + files.get("junction"));
            widen(cellDir.resolve(".cell"), home);
            final Map<String, String> wide = parse(other.probe(false, widened, "widened"));
            wide.forEach((id, outcome) -> System.out.println("  " + other.name + " on 0644 files " + id + ": " +
                outcome));
            for (final Map.Entry<String, Path> e : files.entrySet())
            {
                // raft-status is replaced every 500 ms by a new private file: it may be private again already.
                if (!e.getValue().startsWith("/proc") && !e.getKey().equals("raft-status"))
                {
                    expect(wide, e.getKey(), "readable");
                }
            }
            expect(wide, "map-junction", "mapped-ro");
        }
    }

    private static String forgedArgs(final InstanceRecord r)
    {
        return r.runDir() + " " + r.cellDir() + " " + r.instanceId() + " " + r.pid() + " " + r.startEpochMs() + " " +
            r.fingerprint();
    }

    private static void expect(final Map<String, String> seen, final String id, final String prefix)
    {
        final String outcome = seen.get(id);
        if (outcome == null || !outcome.startsWith(prefix))
        {
            fail("probe " + id + ": expected '" + prefix + "…', got " + outcome + "\nall: " + seen);
        }
    }

    private static Map<String, String> parse(final String output)
    {
        final Map<String, String> seen = new TreeMap<>();
        for (final String line : output.lines().toList())
        {
            final int space = line.indexOf(' ');
            if (space > 0 && !line.startsWith("Picked up") && !line.startsWith("WARNING"))
            {
                seen.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return seen;
    }

    /**
     * What the owner has and another user must not read: registry, supervisor and dormant entries, run folders,
     * the instance file and a live junction, logs, the group's files, a Raft log segment, and {@code /proc} entries
     * of an instance and of the supervisor.
     */
    private static Map<String, Path> ownerFiles(final Path cellDir, final Path home,
        final List<InstanceRecord> instances, final long supervisorPid) throws IOException
    {
        final Map<String, Path> files = new LinkedHashMap<>();
        final InstanceRecord r = instances.getFirst();
        files.put("home", home);
        files.put("registry-dir", InstanceRegistry.dir(home).resolve("kv"));
        files.put("registry-entry", InstanceRegistry.file(home, "kv", r.instanceId()));
        files.put("supervisor-entry", only(home.resolve("supervisors"), "kv-" + supervisorPid + ".json"));
        files.put("cell-dot", cellDir.resolve(".cell"));
        files.put("run-folders", cellDir.resolve(".cell/run"));
        files.put("run-folder", r.runDir());
        files.put("instance-dat", r.runDir().resolve("instance.dat"));
        files.put("junctions", r.runDir().resolve("junctions"));
        files.put("junction", liveJunction(instances));
        files.put("log-out", cellDir.resolve(".cell/log/kv.out"));
        files.put("log-supervisor", cellDir.resolve(".cell/log/supervisor.out"));
        files.put("log-instance", cellDir.resolve(".cell/log/" + r.instanceId() + ".log"));
        files.put("group-properties", cellDir.resolve(".cell/replicas/group.properties"));
        files.put("group-key", cellDir.resolve(".cell/replicas/tls/group.key"));
        files.put("raft-status", cellDir.resolve(".cell/replicas/0/raft-status"));
        try (Stream<Path> s = Files.walk(cellDir.resolve(".cell/replicas/0/raft")))
        {
            files.put("raft-log", s.filter(p -> p.getFileName().toString().startsWith("log_")).findFirst()
                .orElseThrow(() -> new AssertionError("no Raft log segment under replica 0")));
        }
        files.put("proc-environ", Path.of("/proc/" + r.pid() + "/environ"));
        files.put("proc-fd", Path.of("/proc/" + r.pid() + "/fd"));
        files.put("proc-supervisor-fd", Path.of("/proc/" + supervisorPid + "/fd"));
        for (final Map.Entry<String, Path> e : files.entrySet())
        {
            assertTrue(Files.exists(e.getValue()), e.getKey() + " " + e.getValue() + " exists");
        }
        return files;
    }

    private static Path only(final Path dir, final String name)
    {
        final Path p = dir.resolve(name);
        assertTrue(Files.isRegularFile(p), p + " exists");
        return p;
    }

    private static Path liveJunction(final List<InstanceRecord> instances) throws IOException
    {
        for (final InstanceRecord r : instances)
        {
            try (Stream<Path> s = Files.list(r.runDir().resolve("junctions")))
            {
                final List<Path> found = s.filter(p -> p.toString().endsWith(".junction")).toList();
                if (!found.isEmpty())
                {
                    return found.getFirst();
                }
            }
        }
        throw new AssertionError("the owner's open connection has no junction file in any run folder");
    }

    /**
     * Every folder Cell itself creates is 0700 and every file 0600 (the registry, supervisor entries, the run folder
     * and its rings, logs, the group's files), and so is every file the storage libraries create under a replica's
     * folders (RocksDB, Chronicle Queue, Ratis): instances run with umask 077.
     */
    private static void assertCellFilesPrivate(final Path cellDir, final Path home) throws IOException
    {
        final List<String> wide = new ArrayList<>();
        final List<Path> checked = new ArrayList<>();
        for (final Path walked : List.of(home, cellDir.resolve(".cell/run"), cellDir.resolve(".cell/log"),
            cellDir.resolve(".cell/replicas/tls")))
        {
            try (Stream<Path> s = Files.walk(walked))
            {
                checked.addAll(s.toList());
            }
        }
        for (final String name : List.of(".cell", ".cell/replicas", ".cell/replicas/group.properties",
            ".cell/replicas/group.lock"))
        {
            checked.add(cellDir.resolve(name));
        }
        for (int slot = 0; slot < 3; slot++)
        {
            for (final String name : List.of("", "/raft-status", "/replica.lock", "/leader", "/raft", "/ledger",
                "/snapshots"))
            {
                checked.add(cellDir.resolve(".cell/replicas/" + slot + name));
            }
        }
        for (final Path p : checked)
        {
            if (!Files.exists(p))
            {
                continue;
            }
            final Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.stream().anyMatch(WIDE::contains))
            {
                wide.add(PosixFilePermissions.toString(perms) + " " + p);
            }
        }
        assertTrue(wide.isEmpty(), "Cell's own folders are 0700 and files 0600; these are not:\n" +
            String.join("\n", wide));
        // Files the storage libraries create (RocksDB, Chronicle Queue, Ratis) are owner-only too: an instance runs
        // with umask 077 (OwnerOnlyUmask).
        final List<String> library = new ArrayList<>();
        try (Stream<Path> s = Files.walk(cellDir.resolve(".cell/replicas")))
        {
            for (final Path p : s.toList())
            {
                final Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (perms.stream().anyMatch(WIDE::contains))
                {
                    library.add(PosixFilePermissions.toString(perms) + " " + p);
                }
            }
        }
        assertTrue(library.isEmpty(), "files under the replicas' folders readable by others:\n" +
            String.join("\n", library));
    }

    /**
     * Copies of the owner's files as a build that creates them 0644 in 0755 folders would leave them, and a 0644 file
     * in a 0755 folder: the other user's probes must report these readable.
     */
    private static Map<String, Path> openCopies(final Path probeDir, final Map<String, Path> files) throws IOException
    {
        final Path open = Files.createDirectory(probeDir.resolve("open"));
        final Map<String, Path> copies = new LinkedHashMap<>();
        final Path plain = open.resolve("plain-0644");
        Files.writeString(plain, "written 0644 in a 0755 folder\n");
        copies.put("open-plain", plain);
        for (final String id : List.of("instance-dat", "junction", "registry-entry", "supervisor-entry", "log-out",
            "group-properties", "group-key"))
        {
            final Path dir = Files.createDirectories(open.resolve(id));
            final Path copy = dir.resolve(files.get(id).getFileName());
            Files.copy(files.get(id), copy);
            copies.put("open-" + id, copy);
        }
        copies.put("open-run-folder", open.resolve("instance-dat"));
        try (Stream<Path> s = Files.walk(open))
        {
            for (final Path p : s.toList())
            {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ?
                    "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return copies;
    }

    /**
     * Folders 0755 and files 0644 under these, as the umask would leave them: only to show the probes would see it.
     */
    private static void widen(final Path... roots) throws IOException
    {
        for (final Path top : roots)
        {
            try (Stream<Path> s = Files.walk(top))
            {
                for (final Path p : s.toList())
                {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ?
                        "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        }
    }

    record GroupState(Map<Integer, Long> applied, Map<Integer, Long> terms, long keys, String stateHash)
    {
    }

    /**
     * Wait until every replica applied what the group committed and a leader is known, in reports written after
     * this call began (each replica rewrites its {@code raft-status} every 500 ms), then read the state.
     */
    private static GroupState awaitSettled(final Path cellDir, final KvClient kv) throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        final long since = System.currentTimeMillis();
        while (true)
        {
            boolean fresh = true;
            final Map<Integer, Long> applied = new TreeMap<>();
            final Map<Integer, Long> terms = new TreeMap<>();
            long commit = -1;
            boolean leader = false;
            for (int slot = 0; slot < 3; slot++)
            {
                final Properties p = properties(cellDir.resolve(".cell/replicas/" + slot + "/raft-status"));
                applied.put(slot, Long.parseLong(p.getProperty("appliedIndex", "-1")));
                terms.put(slot, Long.parseLong(p.getProperty("term", "-1")));
                fresh &= Long.parseLong(p.getProperty("updatedMs", "0")) >= since;
                if ("LEADER".equals(p.getProperty("role")))
                {
                    leader = true;
                    commit = Long.parseLong(p.getProperty("commitIndex", "-1"));
                }
            }
            final long c = commit;
            if (fresh && leader && applied.values().stream().allMatch(a -> a == c) && terms.values().stream().distinct()
                .count() == 1)
            {
                final Status status = kv.status(new Nothing());
                return new GroupState(applied, terms, status.keys(), status.stateHash());
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("the group did not settle in 60 s: applied " + applied + " terms " + terms +
                    " leader commit " + commit);
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }

    private static Properties properties(final Path file) throws IOException
    {
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            p.load(r);
        }
        catch (final java.nio.file.NoSuchFileException ex)
        {
            // Being replaced: empty for now.
        }
        return p;
    }

    private static void put(final KvClient kv, final String key)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true)
        {
            try
            {
                kv.put(new Put(key, "v".getBytes(StandardCharsets.UTF_8)));
                return;
            }
            catch (final RuntimeException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("no put succeeded in 90 s", ex);
                }
                LockSupport.parkNanos(200_000_000L);
            }
        }
    }

    private static Map<String, Object> supervisorEntry(final Path home) throws IOException
    {
        try (Stream<Path> s = Files.list(home.resolve("supervisors")))
        {
            final Path entry = s.filter(p -> p.getFileName().toString().matches("kv-\\d+\\.json")).findFirst()
                .orElseThrow(() -> new AssertionError("no supervisor entry under " + home));
            return Json.parseObject(Files.readString(entry, StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code cell mitosis <cellDir> --detach --no-build}, its class path this test's (the cell's classes linked
     * as {@code target/classes}, the rest in {@code target/cell.classpath}), Raft over gRPC.
     */
    private static void mitosis(final Path root, final Path cellDir, final Path home, final List<String> classPath)
        throws IOException, InterruptedException
    {
        Files.createDirectories(cellDir.resolve("target"));
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n\n[state]\nreplicas = 3\n");
        final Path classes = Path.of("target/classes").toAbsolutePath();
        Files.createSymbolicLink(cellDir.resolve("target/classes"), classes);
        Files.writeString(cellDir.resolve("target/cell.classpath"), String.join(File.pathSeparator,
            classPath.stream().filter(e -> !Path.of(e).toAbsolutePath().equals(classes)).toList()));
        final SystemCommand up = cell(root, home, classPath, 300, "mitosis", cellDir.toString(), "--detach",
            "--no-build", "--ready-timeout", "120s");
        if (up.exit() != 0)
        {
            fail("cell mitosis failed with " + up.exit() + ":\n" + up.output());
        }
    }

    private static void stopTissue(final Path root, final Path cellDir, final Path home, final List<String> classPath,
        final List<ProcessHandle> started) throws IOException, InterruptedException
    {
        try
        {
            final SystemCommand stop = cell(root, home, classPath, 120, "stop", cellDir.toString());
            System.out.println("cell stop: exit " + stop.exit());
        }
        finally
        {
            // Whatever is left: the supervisor first (it would restart what is killed), then the instances.
            final String marker = "-Dcell.home=" + home;
            for (final ProcessHandle h : ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                .map(c -> c.contains(marker)).orElse(false)).toList())
            {
                h.destroyForcibly();
                h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(ex -> h).join();
            }
            for (final ProcessHandle h : started)
            {
                h.destroyForcibly();
                h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(ex -> h).join();
            }
            for (final InstanceRecord r : InstanceRegistry.live(home, "kv"))
            {
                ProcessHandle.of(r.pid()).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    record SystemCommand(int exit, String output)
    {
    }

    private static SystemCommand cell(final Path root, final Path home, final List<String> classPath,
        final long timeoutSeconds, final String... args) throws IOException, InterruptedException
    {
        final List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-cp", String.join(File.pathSeparator, classPath), "dev.cell.cli.CellCommand"));
        cmd.addAll(List.of(args));
        final Path out = root.resolve(args[0] + "-" + System.nanoTime() + ".out");
        final ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
            .redirectOutput(out.toFile());
        pb.environment().put("CELL_HOME", home.toString());
        // Every JVM below (supervisor, replicas) gets it: Raft over gRPC, whatever the default transport.
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Dcell.raft.transport=grpc " +
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        final Process p = pb.start();
        try
        {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                return new SystemCommand(-1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(out));
            }
            return new SystemCommand(p.exitValue(), Files.readString(out));
        }
        finally
        {
            p.destroyForcibly();
        }
    }

    private static double secs(final long since)
    {
        return (System.nanoTime() - since) / 1e9;
    }
}
