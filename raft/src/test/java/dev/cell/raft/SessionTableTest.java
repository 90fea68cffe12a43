package dev.cell.raft;

import dev.cell.ledger.Ledger;
import dev.cell.runtime.discovery.InstanceRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session table's decisions against a real {@link Ledger} (RocksDB), one ledger entry per step, with leader times
 * given explicitly: duplicates, retained replies, expiry of idle sessions, refusal of late retries and of clocks far
 * ahead, a leader clock that steps back.
 */
class SessionTableTest
{
    private static final long WINDOW = 2_000;
    private static final long HIGH = 1_000;
    private static final long LOW = 0x5EED;

    private Path dir;
    private Ledger ledger;
    private SessionTable table;
    private long index;

    @BeforeEach
    void open() throws Exception
    {
        dir = Files.createTempDirectory("session-table");
        ledger = Ledger.open(dir);
        table = new SessionTable(ledger);
    }

    @AfterEach
    void close()
    {
        ledger.close();
        InstanceRegistry.deleteTree(dir);
    }

    /**
     * One entry: check the call at leader time {@code time}, record it when it applies, expire, commit.
     *
     * @return the decision.
     */
    private int call(final long high, final long sequence, final long time, final byte[] reply)
    {
        ledger.begin(++index, 1);
        final long now = table.begin(time);
        final int decision = table.check(high, LOW, sequence, now, WINDOW);
        if (decision == SessionTable.APPLY)
        {
            table.record(high, LOW, sequence, now, reply);
        }
        else if (decision == SessionTable.DUPLICATE)
        {
            table.touch(high, LOW, now);
        }
        table.finish(now, WINDOW);
        ledger.commit(ByteBuffer.wrap(new byte[] {1}));
        return decision;
    }

    private static byte[] reply(final long sequence)
    {
        return ByteBuffer.allocate(9).put((byte)0).putLong(sequence).array();
    }

    @Test
    void aSequenceAppliesOnceAndItsRetryGetsTheFirstReply()
    {
        assertEquals(SessionTable.APPLY, call(HIGH, 1, 1_100, reply(1)));
        assertEquals(SessionTable.APPLY, call(HIGH, 3, 1_200, reply(3)));
        assertEquals(SessionTable.DUPLICATE, call(HIGH, 1, 1_300, reply(99)));
        assertArrayEquals(reply(1), table.priorReply());
        assertEquals(SessionTable.APPLY, call(HIGH, 2, 1_400, reply(2)), "unseen, below the highest: applies");
        assertEquals(SessionTable.DUPLICATE, call(HIGH, 2, 1_500, reply(99)));
        assertArrayEquals(reply(2), table.priorReply());
        assertEquals(SessionTable.APPLY, call(HIGH + 1, 1, 1_600, reply(7)), "another session, sequence 1 too");
    }

    @Test
    void onlyTheLastRetainedSequencesAreRemembered()
    {
        for (long s = 1; s <= 300; s++)
        {
            assertEquals(SessionTable.APPLY, call(HIGH, s, 1_100, reply(s)));
        }
        assertEquals(SessionTable.REFUSED, call(HIGH, 300 - SessionTable.RETAINED, 1_200, reply(0)));
        assertTrue(table.refusal().contains("older than the last 256 calls"), table.refusal());
        assertEquals(SessionTable.DUPLICATE, call(HIGH, 300 - SessionTable.RETAINED + 1, 1_200, reply(0)));
        assertArrayEquals(reply(300 - SessionTable.RETAINED + 1), table.priorReply());
    }

    @Test
    void anIdleSessionExpiresAndItsLateRetryIsRefused()
    {
        assertEquals(SessionTable.APPLY, call(HIGH, 1, 1_100, reply(1)));
        // Still in the table, but idle longer than the window: refused (the same entry then deletes it).
        assertEquals(SessionTable.REFUSED, call(HIGH, 1, 3_200, reply(1)));
        assertTrue(table.refusal().contains("its last call was at 1100"), table.refusal());
        // Deleted now: an unknown session created before the window is refused as well.
        assertEquals(SessionTable.REFUSED, call(HIGH, 1, 3_300, reply(1)));
        assertTrue(table.refusal().contains("it was created at 1000"), table.refusal());
    }

    @Test
    void anActiveSessionOutlivesTheWindowOfItsCreation()
    {
        assertEquals(SessionTable.APPLY, call(HIGH, 1, 1_100, reply(1)));
        assertEquals(SessionTable.APPLY, call(HIGH, 2, 2_500, reply(2)));
        // Queued at 1100, due at 3100: looked at, still active (last call 2500), queued again.
        assertEquals(SessionTable.APPLY, call(3_000, 1, 3_200, reply(1)));
        assertEquals(SessionTable.DUPLICATE, call(HIGH, 2, 4_000, reply(99)), "last call 2500, window not over");
        assertEquals(SessionTable.APPLY, call(HIGH, 3, 5_900, reply(3)), "the duplicate at 4000 was activity");
    }

    @Test
    void aClockFarAheadIsRefusedAndTheLeaderClockNeverStepsBack()
    {
        assertEquals(SessionTable.REFUSED, call(10_000, 1, 1_100, reply(1)));
        assertTrue(table.refusal().contains("clock is ahead"), table.refusal());
        assertEquals(SessionTable.APPLY, call(HIGH, 1, 2_900, reply(1)));
        ledger.begin(++index, 1);
        assertEquals(2_900, table.begin(1_500), "a new leader whose clock is behind does not move time back");
        table.finish(2_900, WINDOW);
        ledger.commit(ByteBuffer.wrap(new byte[] {1}));
    }
}
