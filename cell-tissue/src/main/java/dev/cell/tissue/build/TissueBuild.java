package dev.cell.tissue.build;

import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueTree.Node;
import dev.cell.tissue.config.TissueTree;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Builds a tissue tree: one Maven run per {@link MavenBuild.Unit} (the tissue root's reactor, or a cell's own
 * pom; a cell with a {@code [build]} command runs that instead, {@link RecipeBuild}), a unit only after the units
 * holding the cells its cells depend on (children first), independent units in parallel; each built cell's jar is
 * then stored content-addressed ({@link ArtifactStore}). A folder listed twice in the tree is one cell, so it is
 * built once.
 *
 * @since 0.1
 */
public final class TissueBuild
{
    private TissueBuild()
    {
    }

    /**
     * Build every cell of a tree, each Maven project once, the ones a cell depends on before it, and store the
     * artifacts.
     *
     * @param tree    the tissue.
     * @param store   where the built artifacts go.
     * @param out     where progress lines go.
     * @param offline true to run Maven offline.
     * @param clean   true to run {@code clean} first.
     * @throws UserError naming the project whose build failed, with Maven's output tail.
     */
    public static void build(final TissueTree tree, final ArtifactStore store, final PrintWriter out,
        final boolean offline, final boolean clean)
    {
        final List<MavenBuild.Unit> units = MavenBuild.plan(tree.config());
        final Map<CellSpec, MavenBuild.Unit> unitOf = new HashMap<>();
        for (final MavenBuild.Unit u : units)
        {
            for (final CellSpec c : u.cells())
            {
                unitOf.put(c, u);
            }
        }
        final MavenBuild maven = new MavenBuild(out, offline, clean);
        final Map<MavenBuild.Unit, CompletableFuture<Void>> done = new HashMap<>();
        for (final MavenBuild.Unit u : units)
        {
            done.put(u, new CompletableFuture<>());
        }
        for (final MavenBuild.Unit u : units)
        {
            final List<MavenBuild.Unit> before = new ArrayList<>();
            for (final CellSpec c : u.cells())
            {
                final Node n = tree.node(c.name());
                for (final Node d : tree.dependencies(n))
                {
                    final MavenBuild.Unit du = unitOf.get(d.cell());
                    if (du != null && du != u && !before.contains(du))
                    {
                        before.add(du);
                    }
                }
            }
            Thread.ofVirtual().name("build-" + u.dir().getFileName()).start(() ->
            {
                try
                {
                    for (final MavenBuild.Unit b : before)
                    {
                        done.get(b).join();
                    }
                    if (u.cells().getFirst().recipe() != null)
                    {
                        RecipeBuild.build(u.cells().getFirst(), java.time.Instant.now(), null, !offline,
                            java.time.Duration.ofHours(1), out);
                    }
                    else
                    {
                        maven.build(u);
                    }
                    for (final CellSpec c : u.cells())
                    {
                        store.store(c);
                    }
                    done.get(u).complete(null);
                }
                catch (final Throwable ex)
                {
                    done.get(u).completeExceptionally(ex);
                }
            });
        }
        try
        {
            CompletableFuture.allOf(done.values().toArray(CompletableFuture[]::new)).join();
        }
        catch (final CompletionException ex)
        {
            Throwable cause = ex.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null)
            {
                cause = cause.getCause();
            }
            if (cause instanceof RuntimeException r)
            {
                throw r;
            }
            throw new UserError("the build failed: " + cause, cause);
        }
    }
}
