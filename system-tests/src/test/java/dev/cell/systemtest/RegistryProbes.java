package dev.cell.systemtest;

import dev.cell.raft.ReplicaOptions;
import dev.cell.registry.Lookup;
import dev.cell.registry.NotOwner;
import dev.cell.registry.RegistryClient;
import dev.cell.registry.RegistryConfig;
import dev.cell.registry.RegistryLease;
import dev.cell.registry.RegistryNode;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.ServerOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The processes of {@code RegistryNamespacesSystemTest}, one JVM each: a host's registry replica with a watcher that
 * prints what that host's own replica lists and its Raft role whenever they change, and an instance that holds a
 * lease. Each line carries the wall clock (one machine, one clock: the test compares lines of different hosts).
 */
final class RegistryProbes
{
    static final String CELL = "exchange";

    private RegistryProbes()
    {
    }

    private static ClientOptions local(final Path home)
    {
        return ClientOptions.defaults().withCellHome(home).withClientName("registry-probe")
            .withConnectTimeout(Duration.ofSeconds(2)).withCallTimeout(Duration.ofSeconds(2));
    }

    /**
     * A host: {@code <registry dir> <slot> <cell home> <promote after ms>}. Prints {@code ROLE <ms> <role>} and
     * {@code LIST <ms> <ids>} on every change.
     */
    static final class Host
    {
        public static void main(final String[] args)
        {
            final Path dir = Path.of(args[0]);
            final int slot = Integer.parseInt(args[1]);
            final Path home = Path.of(args[2]);
            final RegistryNode node = RegistryNode.start(dir, ReplicaOptions.defaults().withSlot(slot)
                .withSnapshotEvery(0).withPromoteAfterMs(Long.parseLong(args[3]))
                .withServer(ServerOptions.defaults().withCellHome(home).withInstanceId("registry-r" + slot)),
                RegistryConfig.defaults(Identity.loadOrCreate(AxonOptions.identityFileOf(dir))));
            Runtime.getRuntime().addShutdownHook(new Thread(node::close));
            System.out.println("registry ready slot=" + slot);
            String role = "";
            String listed = null;
            RegistryClient reader = null;
            while (true)
            {
                final String now = node.replica().role();
                if (!now.equals(role))
                {
                    role = now;
                    System.out.println("ROLE " + System.currentTimeMillis() + " " + role);
                }
                try
                {
                    if (reader == null)
                    {
                        reader = RegistryClient.connect(local(home));
                    }
                    final List<String> ids = new ArrayList<>();
                    reader.instances(new Lookup(CELL, "", "", "", 0)).instances()
                        .forEach(i -> ids.add(i.instanceId()));
                    final String list = String.join(",", ids);
                    if (!list.equals(listed))
                    {
                        listed = list;
                        System.out.println("LIST " + System.currentTimeMillis() + " [" + list + "]");
                    }
                }
                catch (final RuntimeException ex)
                {
                    if (reader != null)
                    {
                        reader.close();
                        reader = null;
                    }
                }
                LockSupport.parkNanos(10_000_000L);
            }
        }
    }

    /**
     * An instance: {@code <cell home> <instance id> <key file>}; announces itself through its host's replica,
     * renews, and revokes its lease on SIGTERM. Prints {@code ANNOUNCED <ms>}, or {@code NOT OWNER} and exits 3 when its
     * key may not use the name.
     */
    static final class Instance
    {
        public static void main(final String[] args) throws Exception
        {
            final Path home = Path.of(args[0]);
            final String id = args[1];
            final Identity key = Identity.loadOrCreate(Path.of(args[2]));
            final RegistryLease lease = new RegistryLease(key, new RegistryLease.Spec(CELL, "1.0.0",
                "0123456789abcdef", id, "host", "lab", "", "10.0.0.1:7400", List.of()), List.of(local(home)));
            Runtime.getRuntime().addShutdownHook(new Thread(lease::close));
            try
            {
                lease.announce();
            }
            catch (final NotOwner refused)
            {
                System.out.println("NOT OWNER " + refused.getMessage());
                System.exit(3);
            }
            System.out.println("ANNOUNCED " + System.currentTimeMillis());
            lease.startRenewing(() -> RegistryLease.Load.NONE);
            Thread.currentThread().join();
        }
    }
}
