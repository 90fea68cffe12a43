package dev.cell.git;

import dev.cell.compiler.deps.SourceGenomes;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * cell-git with the stock {@code git} command: clone, push of a branch and tags with an allowed identity's token,
 * refusal without a token and with another identity's, and the Cell.json each pushed tag gets.
 */
@Timeout(180)
class GitHostTest
{
    @TempDir
    Path tmp;

    private GitHost host;
    private Identity owner;
    private Identity stranger;

    @BeforeEach
    void start() throws Exception
    {
        owner = Identity.loadOrCreate(tmp.resolve("owner.key"));
        stranger = Identity.loadOrCreate(tmp.resolve("stranger.key"));
        host = new GitHost(tmp.resolve("repos"), "127.0.0.1", 0, Set.of(owner.publicId()), tmp.resolve("home"));
    }

    @AfterEach
    void stop() throws Exception
    {
        host.close();
    }

    @Test
    void stockGitClonesAndPushesAndEveryTagGetsItsCellJson() throws Exception
    {
        final Path work = producer(tmp.resolve("work"));
        git(work, "init", "-q", "-b", "main");
        git(work, "add", ".");
        git(work, "commit", "-q", "-m", "exchange 1.0.0");
        git(work, "tag", "v1.0.0");
        final String base = "http://127.0.0.1:" + host.port() + "/acme/exchange";

        final Result anonymous = run(work, "git", "push", base, "main", "v1.0.0");
        assertNotEquals(0, anonymous.code(), anonymous.output());
        final Result other = run(work, "git", "push", withToken(base, stranger), "main", "v1.0.0");
        assertNotEquals(0, other.code(), other.output());
        assertTrue(other.output().contains("403"), other.output());
        assertFalse(Files.exists(host.repository("acme", "exchange")), "a refused push creates nothing");

        final Result pushed = run(work, "git", "push", withToken(base, owner), "main", "v1.0.0");
        assertEquals(0, pushed.code(), pushed.output());
        assertTrue(pushed.output().contains("cell-git: Cell.json for v1.0.0 written"), pushed.output());

        final Map<String, Object> v1 = Json.parseObject(get(base + "/tags/v1.0.0/Cell.json"));
        assertEquals("exchange", v1.get("name"));
        assertEquals(SourceGenomes.fromDirectory(work, "exchange").fingerprint(), v1.get("fingerprint"));
        assertEquals(git(work, "rev-parse", "v1.0.0^{commit}").strip(), v1.get("commit"));
        assertEquals(owner.publicId(), v1.get("pushedBy"));

        final Path clone = tmp.resolve("clone");
        final Result cloned = run(tmp, "git", "clone", "-q", base, clone.toString());
        assertEquals(0, cloned.code(), cloned.output());
        assertEquals(Files.readString(work.resolve("cell.toml")), Files.readString(clone.resolve("cell.toml")));

        // A new tag with a changed contract gets its own Cell.json; the old one stays as it was.
        final Path quote = work.resolve("src/main/java/acme/Quote.java");
        Files.writeString(quote, Files.readString(quote).replace("long bid", "long bestBid"));
        git(work, "commit", "-q", "-am", "rename bid");
        git(work, "tag", "v1.1.0");
        final Result again = run(work, "git", "push", withToken(base, owner), "v1.1.0");
        assertEquals(0, again.code(), again.output());
        final Map<String, Object> v11 = Json.parseObject(get(base + "/tags/v1.1.0/Cell.json"));
        assertNotEquals(v1.get("fingerprint"), v11.get("fingerprint"));
        assertEquals(v1, Json.parseObject(get(base + "/tags/v1.0.0/Cell.json")));

        final Map<String, Object> instances = Json.parseObject(get(base + "/instances.json"));
        assertEquals("exchange", instances.get("cell"));
        assertEquals(List.of(), instances.get("instances"));
        // With a registry replica on this host, every host's instances it lists (its view, as its agent writes it).
        final Path view = Files.createDirectories(dev.cell.runtime.discovery.RegistryView.dir(tmp.resolve("home")))
            .resolve("exchange");
        Files.writeString(view, dev.cell.runtime.discovery.RegistryView.line("exchange-b1", "10.77.0.2:7400",
            owner.publicId(), "0123456789abcdef", "host-b", "eu", new dev.cell.runtime.discovery.RegistryView.Load(
            40, 90, 2, 1000), "1.0.0"));
        final Map<String, Object> listed = Json.parseObject(get(base + "/instances.json"));
        assertEquals("registry and this host", listed.get("source"));
        final Map<?, ?> remote = (Map<?, ?>)((List<?>)listed.get("instances")).getFirst();
        assertEquals(List.of("exchange-b1", "host-b", "10.77.0.2:7400", "eu"), List.of(remote.get("instance"),
            remote.get("host"), remote.get("axon"), remote.get("region")), listed.toString());
        assertEquals(404, status(base + "/tags/v9/Cell.json"));
        final int traversal = status("http://127.0.0.1:" + host.port() + "/acme/..%2F..%2Fetc/instances.json");
        assertTrue(traversal == 400 || traversal == 404, "a path out of the root is refused: " + traversal);
    }

    private static String withToken(final String url, final Identity who)
    {
        final String token = PushToken.create(who, System.currentTimeMillis() / 1000, Duration.ofMinutes(5));
        return url.replace("http://", "http://cell:" + token + "@");
    }

    private static Path producer(final Path dir) throws IOException
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
                public Quote quote(final Symbol symbol)
                {
                    return null;
                }
            }
            """);
        Files.writeString(pkg.resolve("Symbol.java"), "package acme;\n\npublic record Symbol(long id) {}\n");
        Files.writeString(pkg.resolve("Quote.java"), "package acme;\n\npublic record Quote(long bid, long ask) {}\n");
        return dir;
    }

    private String git(final Path dir, final String... args) throws Exception
    {
        final List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.name=test", "-c",
            "user.email=test@localhost", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"));
        cmd.addAll(List.of(args));
        final Result r = run(dir, cmd.toArray(String[]::new));
        if (r.code() != 0)
        {
            fail(String.join(" ", cmd) + " exited " + r.code() + ": " + r.output());
        }
        return r.output();
    }

    private record Result(int code, String output)
    {
    }

    private Result run(final Path dir, final String... cmd) throws Exception
    {
        final Path out = Files.createTempFile(tmp, "git-", ".out");
        final ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(out.toFile());
        pb.environment().put("HOME", tmp.toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        pb.environment().put("GIT_ASKPASS", "/bin/false");
        final Process p = pb.start();
        try
        {
            if (!p.waitFor(60, TimeUnit.SECONDS))
            {
                fail("timed out: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), Files.readString(out));
        }
        finally
        {
            p.destroyForcibly();
        }
    }

    private static String get(final String url) throws Exception
    {
        final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }

    private static int status(final String url) throws Exception
    {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
