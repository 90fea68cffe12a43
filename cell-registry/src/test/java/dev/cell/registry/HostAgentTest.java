package dev.cell.registry;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.Liveness;
import dev.cell.runtime.discovery.ConsumerRegistry;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replicas' host agents (three replicas, each with its own cell home, standing for three hosts): an instance
 * registered on one home (its run file, as a starting instance writes it) is announced with its own cell's key and
 * appears in every home's view, with the queue depth its instance file reports; once its run file is gone it is
 * revoked and leaves every view. A consumer's use
 * recorded on one home (as its client writes it when it connects) reaches every home's uses file, signed by the
 * consumer's key, and leaves them once the consumer's process record is gone.
 */
@Timeout(120)
class HostAgentTest
{
    private RegistryGroup group;

    @AfterEach
    void tearDown() throws Exception
    {
        if (group != null)
        {
            group.close();
        }
    }

    private boolean everyViewLists(final List<String> ids)
    {
        for (int i = 0; i < RegistryGroup.REPLICAS; i++)
        {
            final List<String> listed = RegistryView.read(group.home(i), "exchange").stream()
                .map(RegistryView.Entry::instanceId).toList();
            if (!listed.equals(ids))
            {
                return false;
            }
        }
        return true;
    }

    @Test
    void aLocalInstanceIsAnnouncedToEveryHostsViewAndRevokedWhenItsRunFileGoes() throws Exception
    {
        // A 10 s TTL: a lease left to expire would stay listed for 10 s, a revoked one is gone within a scan and a commit.
        group = new RegistryGroup("agent", Duration.ofSeconds(1), 10);
        group.startAll();
        final Path cellDir = group.root.resolve("exchange");
        final Identity key = Identity.loadOrCreate(AxonOptions.identityFileOf(cellDir));
        final Path runDir = Files.createDirectories(group.root.resolve("run-exchange-a"));
        final InstanceFile counters = InstanceFile.create(runDir, 0x0123456789abcdefL,
            InstanceFile.DEFAULT_ACCEPT_CAPACITY);
        counters.counters().queueDepth(5);
        final dev.cell.runtime.genome.Genome genome = new RegistryBinding().genome(); // any genome: its version
        Files.writeString(runDir.resolve(dev.cell.runtime.service.HandlerSlots.GENOME_FILE), genome.toJson());
        final InstanceRecord axon = new InstanceRecord("exchange", "exchange-a", Liveness.currentPid(),
            Liveness.currentStartEpochMs(), runDir, cellDir, "0123456789abcdef", "eco", "10.1.2.3:7400");
        InstanceRegistry.register(group.home(0), axon);
        final long registeredNs = System.nanoTime();
        RegistryGroup.await("exchange-a in every home's view", Duration.ofSeconds(20),
            () -> everyViewLists(List.of("exchange-a")));
        final long listedMs = (System.nanoTime() - registeredNs) / 1_000_000L;
        final RegistryView.Entry entry = RegistryView.read(group.home(2), "exchange").getFirst();
        assertEquals("10.1.2.3:7400", entry.axon());
        assertEquals(key.publicId(), entry.identity(), "announced with the instance's own key");
        assertEquals("0123456789abcdef", entry.fingerprint());
        RegistryGroup.await("its genome's version and the queue depth it reports in every home's view", Duration.ofSeconds(20), () ->
        {
            for (int i = 0; i < RegistryGroup.REPLICAS; i++)
            {
                final List<RegistryView.Entry> e = RegistryView.read(group.home(i), "exchange");
                if (e.isEmpty() || e.getFirst().load().queueDepth() != 5 ||
                    !e.getFirst().version().equals(genome.version()))
                {
                    return false;
                }
            }
            return true;
        });
        counters.close();

        InstanceRegistry.unregister(group.home(0), "exchange", "exchange-a");
        final long goneNs = System.nanoTime();
        RegistryGroup.await("exchange-a out of every view", Duration.ofSeconds(20),
            () -> everyViewLists(List.of()));
        final long unlistedMs = (System.nanoTime() - goneNs) / 1_000_000L;
        System.out.println("host agent: run file -> every view in " + listedMs + " ms; run file gone -> out of " +
            "every view in " + unlistedMs + " ms (a revocation, not a TTL of " + group.config().ttlMs() + " ms)");
        assertTrue(unlistedMs < group.config().ttlMs() / 2, "revoked, not left to expire: " + unlistedMs);
    }

    private String lastUses = "";

    private boolean everyHomeRecords(final List<RegistryView.Use> uses)
    {
        for (int i = 0; i < RegistryGroup.REPLICAS; i++)
        {
            final RegistryView.Uses found = RegistryView.uses(group.home(i), "exchange");
            if (!found.uses().equals(uses))
            {
                lastUses = "home " + i + ": " + found;
                return false;
            }
        }
        return true;
    }

    @Test
    void aLocalConsumersUseReachesEveryHostsUsesFileAndLeavesWithTheConsumer() throws Exception
    {
        group = new RegistryGroup("agent-uses", Duration.ofSeconds(1), 4);
        group.startAll();
        ConsumerRegistry.record(group.home(0), "exchange", "trader", Map.of("placeOrder", "00000000000000aa"));
        // The consumer's process is an instance on that host (this JVM runs the registry's replicas): its cell's key
        // signs, as an instance's key announces it; a consumer that is no instance signs with the host's key.
        final RegistryView.Use expected = new RegistryView.Use("trader", RegistryView.hostLabel(),
            Identity.loadOrCreate(AxonOptions.identityFileOf(group.cellDir)).publicId(), "placeOrder",
            "00000000000000aa");
        final long recordedNs = System.nanoTime();
        RegistryGroup.await("the use in every home's uses file (" + expected + ")", Duration.ofSeconds(20),
            () -> everyHomeRecords(List.of(expected)), () -> lastUses);
        final long listedMs = (System.nanoTime() - recordedNs) / 1_000_000L;
        Files.delete(ConsumerRegistry.dir(group.home(0), "exchange").resolve(Liveness.currentPid() + ".json"));
        final long goneNs = System.nanoTime();
        RegistryGroup.await("the use gone from every home", Duration.ofSeconds(20), () -> everyHomeRecords(List.of()),
            () -> lastUses);
        System.out.println("host agent: consumer record -> every home's uses file in " + listedMs + " ms; record " +
            "gone -> out of every uses file in " + (System.nanoTime() - goneNs) / 1_000_000L + " ms");
    }
}
