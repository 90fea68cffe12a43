package dev.cell.git;

import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.identity.Identity;
import dev.cell.tissue.UserError;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell spawn}'s refusals that come before any build, against cell-git on loopback: no signed manifest, a
 * manifest signed by a key other than the pinned one, no pin at all; and cell-git's own refusal of a manifest ref
 * whose signature does not hold. A refused spawn leaves no clone behind.
 */
@Timeout(120)
class RibosomeRefusalTest
{
    @TempDir
    Path tmp;

    private GitHost host;
    private Identity owner;
    private Identity stranger;
    private Path work;
    private Path home;
    private String url;

    @BeforeEach
    void start() throws Exception
    {
        owner = Identity.loadOrCreate(tmp.resolve("owner.key"));
        stranger = Identity.loadOrCreate(tmp.resolve("stranger.key"));
        host = new GitHost(tmp.resolve("repos"), "127.0.0.1", 0, Set.of(owner.publicId()), tmp.resolve("host-home"));
        home = tmp.resolve("consumer-home");
        work = tmp.resolve("work");
        writeCell(work);
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call())
        {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("exchange 1.0.0").setAuthor("test", "test@localhost")
                .setCommitter("test", "test@localhost").setSign(false).call();
            git.tag().setName("v1").setAnnotated(false).call();
            url = "http://127.0.0.1:" + host.port() + "/acme/exchange";
            git.push().setRemote(url).setRefSpecs(new RefSpec("refs/heads/main"), new RefSpec("refs/tags/v1"))
                .setCredentialsProvider(new UsernamePasswordCredentialsProvider("cell", token(owner))).call();
        }
    }

    @AfterEach
    void stop() throws Exception
    {
        host.close();
    }

    @Test
    void anUnsignedReleaseIsRefused()
    {
        final UserError e = assertThrows(UserError.class, () -> spawn(Ribosome.Request.of(url + "@v1")
            .withOwnerKey(owner.publicId())));
        assertTrue(e.getMessage().contains("no signed Cell.json for v1"), e.getMessage());
        assertFalse(Files.exists(cache()), "a refused spawn leaves no clone: " + cache());
    }

    @Test
    void aManifestSignedByAnotherKeyIsRefusedNamingBoth() throws Exception
    {
        publish(SignedManifest.sign(SignedManifestTest.fields(stranger, "v1"), stranger));
        final UserError e = assertThrows(UserError.class, () -> spawn(Ribosome.Request.of(url + "@v1")
            .withOwnerKey(owner.publicId())));
        assertTrue(e.getMessage().contains("signed by " + stranger.publicId() + ", not by the owner " +
            owner.publicId()), e.getMessage());
        assertFalse(Files.exists(cache()));

        final UserError unpinned = assertThrows(UserError.class, () -> spawn(Ribosome.Request.of(url + "@v1")));
        assertTrue(unpinned.getMessage().contains("no owner key is pinned") &&
            unpinned.getMessage().contains("--trust-on-first-use"), unpinned.getMessage());
    }

    @Test
    void aManifestWhoseHashTheRegistryAgreedOtherwiseIsRefusedNamingBothBeforeAnyBuild() throws Exception
    {
        publish(SignedManifest.sign(SignedManifestTest.fields(owner, "v1"), owner));
        // What this host's registry replica writes once the registry agreed the owner's first release of v1.
        Files.createDirectories(RegistryView.releasesFile(home).getParent());
        Files.writeString(RegistryView.releasesFile(home), RegistryView.releaseLine(new RegistryView.Release(
            "exchange", "v1", "1.0.0", "b".repeat(64), owner.publicId(), 42)));
        final UserError e = assertThrows(UserError.class, () -> spawn(Ribosome.Request.of(url + "@v1")
            .withOwnerKey(owner.publicId())));
        assertTrue(e.getMessage().contains("registry agreed artifact sha256 " + "b".repeat(64)) &&
            e.getMessage().contains("says " + "a".repeat(64)) && e.getMessage().contains("log index 42"),
            e.getMessage());
        assertFalse(Files.exists(cache()));
    }

    @Test
    void cellGitRefusesAManifestWhoseSignatureDoesNotHoldAndServesAGoodOne() throws Exception
    {
        final SignedManifest good = SignedManifest.sign(SignedManifestTest.fields(owner, "v1"), owner);
        final String forged = new String(good.json(), StandardCharsets.UTF_8).replace("a".repeat(64), "c".repeat(64));
        final SignedManifest bad = SignedManifest.parse(forged.getBytes(StandardCharsets.UTF_8),
            good.signatureFile());
        try (Git git = Git.open(work.toFile()))
        {
            bad.writeRef(git.getRepository(), "v1");
        }
        final UserError refused = assertThrows(UserError.class, () -> Release.push(work, url, "v1", token(owner)));
        assertTrue(refused.getMessage().contains("not a signed Cell.json") &&
            refused.getMessage().contains("does not hold"), refused.getMessage());

        publish(good);
        assertArrayEquals(good.json(), get(url + "/tags/v1/Cell.json"), "cell-git serves the owner's bytes");
        assertArrayEquals(good.signatureFile(), get(url + "/tags/v1/Cell.json.sig"));
        final Map<String, Object> served = dev.cell.runtime.genome.Json.parseObject(
            new String(get(url + "/tags/v1/Cell.json"), StandardCharsets.UTF_8));
        assertEquals(owner.publicId(), served.get("owner"));

        // The owner deletes the manifest ref: what was served from it goes with it.
        try (Git git = Git.open(work.toFile()))
        {
            git.push().setRemote(url).setRefSpecs(new RefSpec(":" + SignedManifest.REF_PREFIX + "v1"))
                .setCredentialsProvider(new UsernamePasswordCredentialsProvider("cell", token(owner))).call();
        }
        final HttpResponse<byte[]> gone = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(url + "/tags/v1/Cell.json.sig")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(404, gone.statusCode(), "no signature served for a deleted manifest ref");
    }

    private void publish(final SignedManifest manifest) throws Exception
    {
        try (Git git = Git.open(work.toFile()))
        {
            manifest.writeRef(git.getRepository(), "v1");
        }
        Release.push(work, url, "v1", token(owner));
    }

    private Ribosome.Spawned spawn(final Ribosome.Request request)
    {
        return Ribosome.spawn(home, request.withResolve(false), new PrintWriter(new StringWriter()));
    }

    private Path cache()
    {
        return home.resolve("spawn").resolve(Ribosome.slug(url)).resolve("v1");
    }

    private static String token(final Identity who)
    {
        return PushToken.create(who, System.currentTimeMillis() / 1000, Duration.ofMinutes(5));
    }

    private static byte[] get(final String url) throws Exception
    {
        final HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url);
        return r.body();
    }

    private static void writeCell(final Path dir) throws IOException
    {
        final Path pkg = Files.createDirectories(dir.resolve("src/main/java/acme"));
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"exchange\"\n");
        Files.writeString(dir.resolve("pom.xml"), "<project/>\n");
        Files.writeString(pkg.resolve("Exchange.java"), """
            package acme;

            import dev.cell.runtime.Cell;

            @Cell("exchange")
            public final class Exchange
            {
                public long count()
                {
                    return 7;
                }
            }
            """);
    }
}
