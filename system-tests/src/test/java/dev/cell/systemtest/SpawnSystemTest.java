package dev.cell.systemtest;

import dev.cell.git.GitHost;
import dev.cell.git.Mirrors;
import dev.cell.git.PushToken;
import dev.cell.git.Ribosome;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.identity.Identity;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.build.Capsid;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cell.systemtest.SystemTestSupport.cell;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Build-and-verify from cell-git: the owner releases a tag ({@code cell release --push}: reproducible build, signed
 * {@code Cell.json}); consumers spawn it ({@code cell spawn}) into two cell homes with different Maven
 * repositories, time zones and umasks and get the artifact hash the owner signed, and the spawned cell answers a
 * call. A spawn without a pinned key, or pinning another key, is refused; a tag moved to a commit one source byte
 * away from the release (the signed manifest unchanged) is refused naming both hashes. A cached build verifies again
 * without a clone until one byte of its jar changes; a release vendored by a consumer ({@code offline_vendor})
 * spawns from the consumer's bundle once its repository is gone, to the signed hash.
 */
@Timeout(300)
class SpawnSystemTest
{
    private static final Pattern SPAWNED = Pattern.compile("artifact sha256 ([0-9a-f]{64}) is the one in the " +
        "Cell.json signed by (ed25519:\\S+)");

    private Path root;
    private GitHost host;
    private final List<Path> homes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception
    {
        root = SystemTestSupport.newDir("spawn");
    }

    @AfterEach
    void stop() throws Exception
    {
        for (final Path home : homes)
        {
            SystemTestSupport.killInstances(home);
        }
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void theSameTagSpawnsToTheSignedHashInTwoHomesAndAnswers() throws Exception
    {
        final Path ownerHome = home("owner");
        final Identity owner = Identity.host(ownerHome);
        final Identity stranger = Identity.loadOrCreate(root.resolve("stranger.key"));
        host = new GitHost(root.resolve("repos"), "127.0.0.1", 0, Set.of(owner.publicId()), ownerHome);
        final String url = "http://127.0.0.1:" + host.port() + "/acme/quotes";
        final Path work = ownerRepository("quotes");

        final String released = mustSucceed(cell(root, ownerHome, 240, "release", work.toString(), "v1",
            "--offline", "--push", url), "cell release").output();
        assertTrue(released.contains("pushed refs/cell/manifests/v1"), released);
        final Map<String, Object> manifest = Json.parseObject(get(url + "/tags/v1/Cell.json"));
        final String signed = (String)manifest.get("artifactSha256");
        assertEquals(owner.publicId(), manifest.get("owner"));
        assertTrue(released.contains("artifact sha256 " + signed), released);

        final Path homeA = home("a");
        final SystemTestSupport.Result unpinned = cell(root, homeA, 120, "spawn", url + "@v1", "--offline");
        assertEquals(1, unpinned.exitCode(), unpinned.output());
        assertTrue(unpinned.output().contains("no owner key is pinned"), unpinned.output());
        final SystemTestSupport.Result other = cell(root, homeA, 120, "spawn", url + "@v1", "--offline", "--key",
            stranger.publicId());
        assertEquals(1, other.exitCode(), other.output());
        assertTrue(other.output().contains("signed by " + owner.publicId() + ", not by the owner " +
            stranger.publicId()), other.output());

        final String a = mustSucceed(cell(root, homeA, 240, "spawn", url + "@v1", "--offline", "--key",
            owner.publicId()), "cell spawn into home a").output();
        assertEquals(signed, spawnedHash(a), a);
        if (Capsid.support().namespaces())
        {
            assertTrue(a.contains("network: enforced: an empty network namespace") &&
                a.contains("writes: enforced: every mount read-only except"), "built in the sandbox: " + a);
        }
        assertTrue(a.contains("ready"), a);
        final String reply = mustSucceed(cell(root, homeA, 60, "call", "quotes", "count"), "cell call").output();
        assertTrue(reply.contains("\"value\":7"), reply);

        // Another home, another Maven repository (hard links), another time zone and umask; trusted on first use.
        final Path homeB = home("b");
        final Path repoB = root.resolve("repo-b");
        mustSucceed(SystemTestSupport.run(root, Map.of(), 300, List.of("cp", "-al", localRepository().toString(),
            repoB.toString())), "a second Maven repository");
        final List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "umask 077 && exec \"$@\"", "sh",
            SystemTestSupport.java().toString()));
        cmd.addAll(SystemTestSupport.JVM_FLAGS);
        cmd.addAll(List.of("-jar", SystemTestSupport.CLI_JAR.toAbsolutePath().toString(), "spawn", url + "@v1",
            "--offline", "--trust-on-first-use", "--no-start"));
        final String b = mustSucceed(SystemTestSupport.run(root, Map.of("CELL_HOME", homeB.toString(), "TZ",
            "Pacific/Kiritimati", "CELL_MAVEN_ARGS", "-Dmaven.repo.local=" + repoB), 240, cmd),
            "cell spawn into home b").output();
        assertTrue(b.contains("trusted on first use: owner " + owner.publicId()), b);
        assertEquals(signed, spawnedHash(b), "the same tag builds to the signed hash in both homes: " + b);

        // The build is cached: checked again without a clone or a build, until one byte of its jar changes.
        final Ribosome.Request request = Ribosome.Request.of(url + "@v1");
        final Ribosome.Spawned cached = Ribosome.cached(homeB, request);
        assertEquals(signed, cached.sha256(), "the cached build verifies (owner pinned on first use)");
        final Path jar = ArtifactStore.builtJar(cached.dir());
        final byte[] bytes = Files.readAllBytes(jar);
        bytes[bytes.length / 2] ^= 1;
        Files.write(jar, bytes);
        final UserError stale = assertThrows(UserError.class, () -> Ribosome.cached(homeB, request));
        assertTrue(stale.getMessage().contains("no longer verifies: its jar hashes to " +
            ArtifactStore.sha256Hex(jar) + " and its Cell.json, signed by " + owner.publicId() + ", says " + signed),
            stale.getMessage());
    }

    /**
     * {@code offline_vendor}: the first spawn keeps the release as a bundle in the consumer's folder; with the
     * repository gone, a spawn into another cell home builds the bundle, checked as the server would be.
     */
    @Test
    void aVendoredReleaseSpawnsWhenItsRepositoryIsGone() throws Exception
    {
        final Path ownerHome = home("owner");
        final Identity owner = Identity.host(ownerHome);
        host = new GitHost(root.resolve("repos"), "127.0.0.1", 0, Set.of(owner.publicId()), ownerHome);
        final String url = "http://127.0.0.1:" + host.port() + "/acme/vendored";
        mustSucceed(cell(root, ownerHome, 240, "release", ownerRepository("vendored").toString(), "v1",
            "--offline", "--push", url), "cell release");
        final String signed = (String)Json.parseObject(get(url + "/tags/v1/Cell.json")).get("artifactSha256");
        final Path consumer = root.resolve("trader");
        SystemTestSupport.write(consumer.resolve("cell.toml"), """
            [cell]
            name = "trader"

            [deps.quotes]
            git = "%s"
            tag = "v1"
            owner = "%s"
            policy = { auto_spawn = true, offline_vendor = true }
            """.formatted(url, owner.publicId()));
        final CellSpec trader = TissueConfig.loadCell(consumer);
        final CellDeps.Dep dep = CellDeps.read(consumer).deps().get("quotes");

        final StringWriter first = new StringWriter();
        final Mirrors.Verified online = Mirrors.verify(home("online"), trader, dep, true, new PrintWriter(first));
        assertEquals(signed, online.spawned().sha256(), first.toString());
        final Path bundle = consumer.resolve(".cell-vendor/quotes/v1.bundle");
        assertTrue(Files.isRegularFile(bundle) && first.toString().contains("vendored into " + bundle), first.toString());

        host.close();
        host = null;
        final StringWriter second = new StringWriter();
        final Mirrors.Verified offline = Mirrors.verify(home("offline"), trader, dep, true, new PrintWriter(second));
        assertTrue(second.toString().contains("spawning from the vendored copy " + bundle), second.toString());
        assertEquals(signed, offline.spawned().sha256(), "the vendored copy builds to the signed hash: " + second);
        assertFalse(offline.cached(), second.toString());
    }

    @Test
    void aTagMovedByOneSourceByteIsRefusedNamingBothHashes() throws Exception
    {
        final Path ownerHome = home("owner");
        final Identity owner = Identity.host(ownerHome);
        host = new GitHost(root.resolve("repos"), "127.0.0.1", 0, Set.of(owner.publicId()), ownerHome);
        final String url = "http://127.0.0.1:" + host.port() + "/acme/moved";
        final Path work = ownerRepository("moved");
        mustSucceed(cell(root, ownerHome, 240, "release", work.toString(), "v1", "--offline", "--push", url),
            "cell release");
        final String signed = (String)Json.parseObject(get(url + "/tags/v1/Cell.json")).get("artifactSha256");

        // The server's v1 now names a commit whose tree differs by one byte; the signed manifest is untouched.
        final Path quotes = work.resolve("src/main/java/quotes/Quotes.java");
        Files.writeString(quotes, Files.readString(quotes).replace("return 7;", "return 8;"));
        try (Git git = Git.open(work.toFile()))
        {
            git.commit().setAll(true).setMessage("one byte").setAuthor("owner", "owner@localhost")
                .setCommitter("owner", "owner@localhost").setSign(false).call();
            git.tag().setName("v1").setForceUpdate(true).setAnnotated(false).call();
            git.push().setRemote(url).setRefSpecs(new RefSpec("+refs/tags/v1:refs/tags/v1"))
                .setCredentialsProvider(new UsernamePasswordCredentialsProvider("cell",
                    PushToken.create(owner, System.currentTimeMillis() / 1000, Duration.ofMinutes(5)))).call();
        }
        assertEquals(signed, Json.parseObject(get(url + "/tags/v1/Cell.json")).get("artifactSha256"),
            "the served manifest is still the signed one");

        final Path consumer = home("consumer");
        final SystemTestSupport.Result refused = cell(root, consumer, 240, "spawn", url + "@v1", "--offline",
            "--key", owner.publicId());
        assertEquals(1, refused.exitCode(), refused.output());
        final Matcher m = Pattern.compile("builds to artifact sha256 ([0-9a-f]{64}) but its Cell.json, signed by " +
            Pattern.quote(owner.publicId()) + ", says ([0-9a-f]{64})").matcher(refused.output());
        assertTrue(m.find(), refused.output());
        assertEquals(signed, m.group(2));
        assertNotEquals(signed, m.group(1));
        assertTrue(refused.output().contains("the tag names commit"), refused.output());
        assertEquals(List.of(), SystemTestSupport.registeredPids(consumer), "nothing was started");
        try (var caches = Files.list(consumer.resolve("spawn")))
        {
            for (final Path c : caches.toList())
            {
                assertFalse(Files.exists(c.resolve("v1")), "the refused clone was removed: " + c);
            }
        }
    }

    /**
     * A cell built by its own {@code [build]} command (javac and jar, no pom): released, spawned into a consumer's
     * home in the sandbox to the signed hash, started and called.
     */
    @Test
    void aCellBuiltByItsOwnCommandSpawnsToTheSignedHashAndAnswers() throws Exception
    {
        final Path ownerHome = home("owner");
        final Identity owner = Identity.host(ownerHome);
        host = new GitHost(root.resolve("repos"), "127.0.0.1", 0, Set.of(owner.publicId()), ownerHome);
        final String url = "http://127.0.0.1:" + host.port() + "/acme/scripted";
        final Path work = root.resolve("owner-scripted");
        SystemTestSupport.writeQuotesProducer(work, "1.0.0", "long bid, long ask", "bid, ask");
        Files.delete(work.resolve("pom.xml"));
        Files.writeString(work.resolve("cell.toml"), """

            [build]
            command = ["sh", "build.sh"]
            artifact = "out/quotes.jar"
            """, java.nio.file.StandardOpenOption.APPEND);
        SystemTestSupport.write(work.resolve("build.sh"), """
            set -e
            rm -rf out
            mkdir -p out/classes
            javac --release 25 -proc:full -cp "$CELL_CLASSPATH" -processorpath "$CELL_PROCESSOR_PATH" \
                -d out/classes $(find src/main/java -name '*.java' | LC_ALL=C sort)
            cd out/classes
            jar --create --date="$CELL_OUTPUT_TIMESTAMP" --file ../quotes.jar $(find . -type f | LC_ALL=C sort)
            """);
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call())
        {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("quotes, built by a script").setAuthor("owner", "owner@localhost")
                .setCommitter("owner", "owner@localhost").setSign(false).call();
            git.tag().setName("v1").setAnnotated(false).call();
        }

        final String released = mustSucceed(cell(root, ownerHome, 240, "release", work.toString(), "v1",
            "--offline", "--push", url), "cell release").output();
        final Map<String, Object> manifest = Json.parseObject(get(url + "/tags/v1/Cell.json"));
        final String signed = (String)manifest.get("artifactSha256");
        assertTrue(released.contains("artifact sha256 " + signed), released);
        final Map<?, ?> recipe = (Map<?, ?>)manifest.get("recipe");
        assertEquals(List.of("command", List.of("sh", "build.sh"), "out/quotes.jar"), List.of(recipe.get("build"),
            recipe.get("command"), recipe.get("artifact")), manifest.toString());

        final Path consumer = home("scripted-consumer");
        final String spawned = mustSucceed(cell(root, consumer, 240, "spawn", url + "@v1", "--offline", "--key",
            owner.publicId()), "cell spawn of a command-built cell").output();
        assertEquals(signed, spawnedHash(spawned), spawned);
        if (Capsid.support().namespaces())
        {
            assertTrue(spawned.contains("network: enforced: an empty network namespace"), "in the sandbox: " +
                spawned);
        }
        final String reply = mustSucceed(cell(root, consumer, 60, "call", "quotes", "count"), "cell call").output();
        assertTrue(reply.contains("\"value\":7"), reply);
    }

    private Path home(final String name)
    {
        final Path home = root.resolve("home-" + name);
        homes.add(home);
        return home;
    }

    private Path ownerRepository(final String name) throws Exception
    {
        final Path work = root.resolve("owner-" + name);
        SystemTestSupport.writeQuotesProducer(work, "1.0.0", "long bid, long ask", "bid, ask");
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call())
        {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("quotes 1.0.0").setAuthor("owner", "owner@localhost")
                .setCommitter("owner", "owner@localhost").setSign(false).call();
            git.tag().setName("v1").setAnnotated(false).call();
        }
        return work;
    }

    private static String spawnedHash(final String output)
    {
        final Matcher m = SPAWNED.matcher(output);
        assertTrue(m.find(), output);
        return m.group(1);
    }

    private static Path localRepository()
    {
        return Path.of(System.getProperty("maven.repo.local",
            Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
    }

    private static String get(final String url) throws Exception
    {
        final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }
}
