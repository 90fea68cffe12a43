package dev.cell.registry;

import dev.cell.ledger.PrivateFiles;
import dev.cell.raft.GroupMember;
import dev.cell.raft.Replica;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.ServerOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The registry across hosts: one replica per host, voters on a few, listeners (non-voting, full state, local reads)
 * on the rest, Ratis over gRPC with the group's mutual TLS between them. The group is defined once
 * ({@link #define}) and its folder copied to every other host ({@link #copy}: the group file with every member's
 * address, the entry key, the TLS key and certificate and the registry key, all 0600); each host then runs its slot
 * ({@link #main}). A voter silent for {@code --promote-after-ms} swaps roles with a listener that answers.
 *
 * @since 0.3
 */
public final class RegistryHost
{
    private RegistryHost()
    {
    }

    /**
     * Define the registry group in {@code cellDir}: its members with their addresses, new group secrets and the
     * registry key (the cell identity, {@code .cell/identity/cell.key}), which every replica must share.
     *
     * @param cellDir the registry's cell folder on this host.
     * @param members voters and listeners.
     */
    public static void define(final Path cellDir, final List<GroupMember> members)
    {
        final Path dir = cellDir.toAbsolutePath().normalize();
        try
        {
            PrivateFiles.createDirectories(dir);
            final Path toml = dir.resolve("cell.toml");
            if (!Files.exists(toml))
            {
                Files.writeString(toml, "[cell]\nname = \"registry\"\n[state]\nreplicas = " + members.size() + "\n");
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + dir, ex);
        }
        Replica.defineGroup(dir, members);
        Identity.loadOrCreate(AxonOptions.identityFileOf(dir));
    }

    /**
     * Copy the registry group (definition, secrets, registry key; no replica's data) to another host's registry
     * folder.
     *
     * @param fromCellDir where it was defined (or copied to).
     * @param toCellDir   the other host's registry folder.
     */
    public static void copy(final Path fromCellDir, final Path toCellDir)
    {
        final Path from = fromCellDir.toAbsolutePath().normalize();
        final Path to = toCellDir.toAbsolutePath().normalize();
        try
        {
            PrivateFiles.createDirectories(to);
            PrivateFiles.writeAtomically(to.resolve("cell.toml"), Files.readAllBytes(from.resolve("cell.toml")), true);
            final Path key = AxonOptions.identityFileOf(to);
            PrivateFiles.createDirectories(key.getParent());
            PrivateFiles.writeAtomically(key, Files.readAllBytes(AxonOptions.identityFileOf(from)), true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot copy the registry from " + from + " to " + to, ex);
        }
        Replica.copyGroup(from, to);
    }

    /**
     * Run this host's registry replica until it is stopped (SIGTERM: a clean stop). Prints {@code registry ready
     * slot=<n>} once it serves.
     * <pre>
     * --dir &lt;registry cell folder&gt; --slot &lt;n&gt; [--home &lt;cell home&gt;] [--promote-after-ms 3000]
     * [--renew-ms 250] [--misses 4] [--election-ms 400]
     * </pre>
     *
     * @param args as above.
     * @throws InterruptedException when interrupted while serving.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        Path dir = null;
        Path home = null;
        int slot = -1;
        long promoteAfterMs = 3_000;
        long renewMs = 250;
        int misses = 4;
        long electionMs = 400;
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            final String value = args[i + 1];
            switch (args[i])
            {
                case "--dir" -> dir = Path.of(value);
                case "--home" -> home = Path.of(value);
                case "--slot" -> slot = Integer.parseInt(value);
                case "--promote-after-ms" -> promoteAfterMs = Long.parseLong(value);
                case "--renew-ms" -> renewMs = Long.parseLong(value);
                case "--misses" -> misses = Integer.parseInt(value);
                case "--election-ms" -> electionMs = Long.parseLong(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (dir == null || slot < 0 || args.length % 2 != 0)
        {
            throw new IllegalArgumentException("usage: --dir <registry folder> --slot <n> [--home <cell home>] " +
                "[--promote-after-ms ms] [--renew-ms ms] [--misses n] [--election-ms ms]");
        }
        final Path cellDir = dir.toAbsolutePath().normalize();
        ServerOptions server = ServerOptions.defaults().withInstanceId("registry-r" + slot);
        if (home != null)
        {
            server = server.withCellHome(home);
        }
        final RegistryConfig config = RegistryConfig.defaults(Identity.loadOrCreate(AxonOptions.identityFileOf(
            cellDir))).withRenewEvery(Duration.ofMillis(renewMs), misses);
        final RegistryNode node = RegistryNode.start(cellDir, ReplicaOptions.defaults().withSlot(slot)
            .withServer(server).withElectionMs(electionMs).withPromoteAfterMs(promoteAfterMs), config);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "registry-stop"));
        System.out.println("registry ready slot=" + slot);
        node.awaitStop();
    }
}
