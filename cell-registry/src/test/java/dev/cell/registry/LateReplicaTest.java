package dev.cell.registry;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling restart gone wrong: a replica that was down long enough for the leader's appender and the other
 * follower's channel to it to back off (12 s of refused connections) starts again, and the leader is stopped as soon
 * as it is up, before anything was sent to it. The remaining follower needs its vote: a new leader must be elected
 * within 3 s (election timeouts are 400–800 ms), and the two left must reach the same state. Times are printed.
 */
class LateReplicaTest
{
    private static final long DOWN_MS = 12_000;

    private RegistryGroup group;

    @AfterEach
    void tearDown() throws Exception
    {
        if (group != null)
        {
            group.close();
        }
    }

    @Test
    void theLeaderLostJustAfterALateReplicaStartsIsReplacedAndTheLateReplicaCatchesUp() throws Exception
    {
        group = new RegistryGroup("late", Duration.ofMillis(250), 4);
        group.start(0);
        group.start(1);
        RegistryGroup.await("a leader of two", Duration.ofSeconds(60), () -> group.leader() >= 0);
        final Identity key = Harness.identity(group.root, "exchange");
        group.reader(group.leader()).announce(Harness.announcement(key, key.publicId(), "exchange", "exchange-0",
            System.currentTimeMillis(), List.of()));
        // The precondition is time passing with the third replica down, not a wait for an event.
        LockSupport.parkNanos(DOWN_MS * 1_000_000L);

        group.start(2);
        final int old = group.leader();
        final long appliedWhenStopped = group.nodes[2].replica().appliedIndex();
        final long stoppedNs = System.nanoTime();
        group.stop(old);
        RegistryGroup.await("a new leader", Duration.ofSeconds(30), () -> group.leader() >= 0);
        final long electedMs = (System.nanoTime() - stoppedNs) / 1_000_000L;
        final int elected = group.leader();
        group.awaitSameState(); // the two left: same applied index and state hash
        final long caughtUpMs = (System.nanoTime() - stoppedNs) / 1_000_000L;
        System.out.println("registry: r2 up after " + DOWN_MS + " ms down (applied " + appliedWhenStopped +
            "), leader r" + old + " stopped at once: r" + elected + " elected after " + electedMs +
            " ms, both left in the same state after " + caughtUpMs + " ms");
        assertTrue(electedMs < 3_000, "a new leader within 3 s: " + electedMs + " ms");
    }
}
