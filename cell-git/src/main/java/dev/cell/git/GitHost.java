package dev.cell.git;

import dev.cell.ring.PrivateFiles;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.resolver.ServiceNotAuthorizedException;
import org.eclipse.jgit.transport.resolver.ServiceNotEnabledException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cell git serve}: git repositories over smart HTTP — JGit's {@link GitServlet} on an embedded Jetty 12 — so
 * stock {@code git clone}, {@code fetch} and {@code push} work against {@code http://<host>:<port>/<org>/<name>}.
 * Repositories are bare, under {@code <root>/<org>/<name>.git}, created by their first allowed push.
 * <ul>
 *     <li>Reading (clone, fetch) is open to whoever can reach the port; the default bind is the loopback
 *     interface.</li>
 *     <li>Pushing needs HTTP Basic auth whose password is a {@link PushToken} signed by an allowed identity: no
 *     credentials is answered 401 (with a Basic challenge, so git asks its credential helpers), a bad or unknown
 *     one 403.</li>
 *     <li>Each pushed tag gets its {@link CellManifest} before the push returns:
 *     {@code GET /<org>/<name>/tags/<tag>/Cell.json}; {@code GET /<org>/<name>/instances.json} lists the live
 *     instances of the cell that the registry knows on every host (when a replica runs on this host), and this
 *     host's own.</li>
 *     <li>A pushed {@code refs/cell/manifests/<tag>} ({@link SignedManifest}, from {@code cell release}) must hold
 *     a manifest whose signature holds for the key it names; it is then what {@code .../tags/<tag>/Cell.json}
 *     serves, with its signature at {@code .../Cell.json.sig}.</li>
 * </ul>
 *
 * @since 0.1
 */
public final class GitHost implements AutoCloseable
{
    private static final Pattern SEGMENT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern JSON_PATH = Pattern.compile("/([^/]+)/([^/]+?)(?:\\.git)?/(?:tags/([^/]+)/" +
        "Cell\\.json(\\.sig)?|(instances)\\.json)");
    private static final String PUSHER = "cell.git.pusher";
    private static final String REFUSED = "push refused: the token is not from an allowed identity, or it expired";

    private final Path root;
    private final Path cellHome;
    private final Set<String> allowed;
    private final Server server;

    /**
     * Start serving.
     *
     * @param root     the folder holding {@code <org>/<name>.git}.
     * @param bind     the address to listen on ({@code 127.0.0.1} unless the host is meant to serve others).
     * @param port     the port, 0 for any free one.
     * @param allowed  the public identities that may push.
     * @param cellHome this host's cell home (for {@code instances.json}).
     * @throws Exception when Jetty cannot start (port in use, …).
     */
    public GitHost(final Path root, final String bind, final int port, final Set<String> allowed,
        final Path cellHome) throws Exception
    {
        this.root = PrivateFiles.createDirectories(root.toAbsolutePath().normalize());
        this.cellHome = cellHome;
        this.allowed = Set.copyOf(allowed);
        this.server = new Server();
        final ServerConnector connector = new ServerConnector(server);
        connector.setHost(bind);
        connector.setPort(port);
        server.addConnector(connector);
        final GitServlet git = new GitServlet();
        git.setRepositoryResolver(this::open);
        git.setReceivePackFactory(this::receivePack);
        final ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(new Front()), "/*", EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(git), "/*");
        server.setHandler(context);
        server.start();
    }

    /**
     * @return the port it listens on.
     */
    public int port()
    {
        return ((ServerConnector)server.getConnectors()[0]).getLocalPort();
    }

    /**
     * @return where the repositories are.
     */
    public Path root()
    {
        return root;
    }

    /**
     * @param org  an organisation.
     * @param name a repository.
     * @return its bare repository's folder.
     */
    public Path repository(final String org, final String name)
    {
        return root.resolve(org).resolve(name + ".git");
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }

    private Repository open(final HttpServletRequest req, final String name)
        throws RepositoryNotFoundException, ServiceNotEnabledException
    {
        final String[] parts = name.replaceFirst("\\.git$", "").split("/");
        if (parts.length != 2 || !SEGMENT.matcher(parts[0]).matches() || !SEGMENT.matcher(parts[1]).matches())
        {
            throw new RepositoryNotFoundException(name);
        }
        final Path dir = repository(parts[0], parts[1]);
        try
        {
            if (isPush(req) && req.getHeader("Authorization") != null && pusher(req) == null)
            {
                throw new ServiceNotEnabledException(REFUSED);
            }
            if (!Files.isDirectory(dir))
            {
                if (!isPush(req) || pusher(req) == null)
                {
                    throw new RepositoryNotFoundException(name);
                }
                PrivateFiles.createDirectories(dir.getParent());
                try (Repository created = FileRepositoryBuilder.create(dir.toFile()))
                {
                    created.create(true); // the first allowed push creates it, bare
                }
            }
            return new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
        }
        catch (final IOException ex)
        {
            throw new RepositoryNotFoundException(name, ex);
        }
    }

    private ReceivePack receivePack(final HttpServletRequest req, final Repository db)
        throws ServiceNotEnabledException, ServiceNotAuthorizedException
    {
        if (req.getHeader("Authorization") == null)
        {
            throw new ServiceNotAuthorizedException();
        }
        final String who = pusher(req);
        if (who == null)
        {
            throw new ServiceNotEnabledException(REFUSED);
        }
        final ReceivePack rp = new ReceivePack(db);
        final Path dir = db.getDirectory().toPath();
        rp.setPreReceiveHook((pack, commands) -> checkSignedManifests(db, commands));
        rp.setPostReceiveHook((pack, commands) ->
        {
            pointHeadAtFirstBranch(db, commands);
            for (final ReceiveCommand c : commands)
            {
                if (c.getResult() != ReceiveCommand.Result.OK || c.getType() == ReceiveCommand.Type.DELETE ||
                    !c.getRefName().startsWith("refs/tags/"))
                {
                    continue;
                }
                final String tag = c.getRefName().substring("refs/tags/".length());
                if (!TAG.matcher(tag).matches())
                {
                    pack.sendMessage("cell-git: tag " + tag + " has characters Cell.json paths do not take; no " +
                        "Cell.json for it");
                    continue;
                }
                try
                {
                    CellManifest.write(dir, tag, c.getNewId().name(), who);
                    pack.sendMessage("cell-git: Cell.json for " + tag + " written");
                }
                catch (final IOException | RuntimeException ex)
                {
                    pack.sendMessage("cell-git: no Cell.json for " + tag + ": " + ex.getMessage());
                }
            }
            storeSignedManifests(pack, db, dir, commands);
        });
        return rp;
    }

    /**
     * Refuse a pushed {@code refs/cell/manifests/<tag>} that holds no manifest signed by the key it names, or one
     * for another tag. This keeps garbage off the host; it is not what a consumer trusts (it checks the signature
     * against the owner key it pins).
     */
    private static void checkSignedManifests(final Repository db, final java.util.Collection<ReceiveCommand> commands)
    {
        for (final ReceiveCommand c : commands)
        {
            if (c.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED ||
                !c.getRefName().startsWith(SignedManifest.REF_PREFIX) || c.getType() == ReceiveCommand.Type.DELETE)
            {
                continue;
            }
            final String tag = c.getRefName().substring(SignedManifest.REF_PREFIX.length());
            String problem;
            try
            {
                problem = TAG.matcher(tag).matches() ? SignedManifest.read(db, c.getNewId()).problem(tag) :
                    "tag " + tag + " has characters Cell.json paths do not take";
            }
            catch (final IOException | RuntimeException ex)
            {
                problem = ex.getMessage();
            }
            if (problem != null)
            {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "not a signed Cell.json: " + problem);
            }
        }
    }

    private static void storeSignedManifests(final ReceivePack pack, final Repository db, final Path dir,
        final java.util.Collection<ReceiveCommand> commands)
    {
        for (final ReceiveCommand c : commands)
        {
            if (c.getResult() != ReceiveCommand.Result.OK || !c.getRefName().startsWith(SignedManifest.REF_PREFIX))
            {
                continue;
            }
            final String tag = c.getRefName().substring(SignedManifest.REF_PREFIX.length());
            if (c.getType() == ReceiveCommand.Type.DELETE)
            {
                // The ref is gone, so is what was served from it (the manifest derived at push time stays).
                final Path file = CellManifest.signedFile(dir, tag);
                try
                {
                    Files.deleteIfExists(file.resolveSibling(SignedManifest.SIGNATURE_FILE));
                    Files.deleteIfExists(file);
                    pack.sendMessage("cell-git: signed Cell.json for " + tag + " removed");
                }
                catch (final IOException ex)
                {
                    pack.sendMessage("cell-git: signed Cell.json for " + tag + " not removed: " + ex.getMessage());
                }
                continue;
            }
            try
            {
                final SignedManifest m = SignedManifest.read(db, c.getNewId());
                final Path file = CellManifest.signedFile(dir, tag);
                PrivateFiles.createDirectories(file.getParent());
                PrivateFiles.writeAtomically(file, CellManifest.FILE_NAME + ".tmp",
                    new String(m.json(), StandardCharsets.UTF_8));
                PrivateFiles.writeAtomically(file.resolveSibling(SignedManifest.SIGNATURE_FILE),
                    SignedManifest.SIGNATURE_FILE + ".tmp", new String(m.signatureFile(), StandardCharsets.US_ASCII));
                pack.sendMessage("cell-git: signed Cell.json for " + tag + " stored (signed by " + m.signer() + ")");
            }
            catch (final IOException | RuntimeException ex)
            {
                pack.sendMessage("cell-git: signed Cell.json for " + tag + " not stored: " + ex.getMessage());
            }
        }
    }

    /**
     * A repository created by a push of {@code main} still has HEAD at {@code master}: point it at the branch
     * pushed, so a clone checks something out.
     */
    private static void pointHeadAtFirstBranch(final Repository db, final java.util.Collection<ReceiveCommand> commands)
    {
        try
        {
            if (db.resolve(Constants.HEAD) != null)
            {
                return;
            }
            for (final ReceiveCommand c : commands)
            {
                if (c.getResult() == ReceiveCommand.Result.OK && c.getRefName().startsWith(Constants.R_HEADS) &&
                    c.getType() != ReceiveCommand.Type.DELETE)
                {
                    db.updateRef(Constants.HEAD).link(c.getRefName());
                    return;
                }
            }
        }
        catch (final IOException ex)
        {
            // HEAD stays as it was: clones name a branch (git clone -b main)
        }
    }

    private String pusher(final HttpServletRequest req)
    {
        final Object cached = req.getAttribute(PUSHER);
        if (cached instanceof String s)
        {
            return s;
        }
        final String header = req.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6) || header.length() > 2048)
        {
            return null;
        }
        final String credentials;
        try
        {
            credentials = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
        final int colon = credentials.indexOf(':');
        final String who = colon < 0 ? null :
            PushToken.verify(credentials.substring(colon + 1), allowed, System.currentTimeMillis() / 1000);
        if (who != null)
        {
            req.setAttribute(PUSHER, who);
        }
        return who;
    }

    private static boolean isPush(final HttpServletRequest req)
    {
        return req.getRequestURI().endsWith("/git-receive-pack") ||
            "git-receive-pack".equals(req.getParameter("service"));
    }

    /**
     * Answers the JSON endpoints, and challenges a push without credentials (so git asks its credential helpers)
     * before JGit sees it.
     */
    private final class Front implements Filter
    {
        @Override
        public void doFilter(final ServletRequest request, final ServletResponse response, final FilterChain chain)
            throws IOException, ServletException
        {
            final HttpServletRequest req = (HttpServletRequest)request;
            final HttpServletResponse rsp = (HttpServletResponse)response;
            final Matcher json = JSON_PATH.matcher(req.getRequestURI());
            if ("GET".equals(req.getMethod()) && json.matches())
            {
                serveJson(json, rsp);
                return;
            }
            if (isPush(req) && req.getHeader("Authorization") == null)
            {
                rsp.setHeader("WWW-Authenticate", "Basic realm=\"cell-git\"");
                rsp.sendError(HttpServletResponse.SC_UNAUTHORIZED, "push needs a token: cell git token");
                return;
            }
            chain.doFilter(request, response);
        }

        private void serveJson(final Matcher m, final HttpServletResponse rsp) throws IOException
        {
            if (!SEGMENT.matcher(m.group(1)).matches() || !SEGMENT.matcher(m.group(2)).matches() ||
                (m.group(3) != null && !TAG.matcher(m.group(3)).matches()))
            {
                rsp.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            final Path repo = repository(m.group(1), m.group(2));
            final String body;
            if (!Files.isDirectory(repo))
            {
                body = null;
            }
            else if (m.group(5) != null)
            {
                body = CellManifest.instances(repo, cellHome);
            }
            else
            {
                // The owner's signed manifest when one was pushed for the tag, else the one derived at push time.
                final Path signed = CellManifest.signedFile(repo, m.group(3));
                final Path file = m.group(4) != null ? signed.resolveSibling(SignedManifest.SIGNATURE_FILE) :
                    Files.isRegularFile(signed) ? signed : CellManifest.file(repo, m.group(3));
                body = Files.isRegularFile(file) ? Files.readString(file) : null;
            }
            if (body == null)
            {
                rsp.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            rsp.setContentType(m.group(4) != null ? "text/plain" : "application/json");
            rsp.setCharacterEncoding("UTF-8");
            rsp.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
