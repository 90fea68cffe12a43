package dev.cell.ledger;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Atomic restore (a crash at each step leaves a usable state), the journal's floor after a foreign snapshot, journal
 * trimming by roll cycle, opening without a scan, and the permissions and fsync paths of snapshots.
 */
class RestoreAndTrimTest
{
    @TempDir
    Path tmp;

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void apply(final Ledger ledger, final long index, final String key, final String value)
    {
        if (ledger.begin(index, 1))
        {
            ledger.state().put(b(key), b(value));
            ledger.commit(ByteBuffer.wrap(b(key + "=" + value)));
        }
    }

    private static List<Long> journalIndexes(final JournalSource journal, final long after)
    {
        final List<Long> seen = new ArrayList<>();
        try (JournalReader reader = journal.readerAfter(after))
        {
            while (reader.next((index, term, payload, offset, length) -> seen.add(index)))
            {
                // collect
            }
        }
        return seen;
    }

    @Test
    void aCrashBetweenBuildingAsideAndTheSwapLeavesTheOldStateUsable()
    {
        final Path dir = tmp.resolve("l");
        final SnapshotInfo snap;
        final String oldHash;
        try (Ledger ledger = Ledger.open(dir))
        {
            for (int i = 1; i <= 50; i++)
            {
                apply(ledger, i, "k" + (i % 7), "v" + i);
            }
            snap = ledger.snapshot(tmp.resolve("snaps").resolve("1_50"));
            for (int i = 51; i <= 80; i++)
            {
                apply(ledger, i, "later" + i, "w" + i);
            }
            oldHash = ledger.stateHash();
            final Path aside = ledger.buildAside(snap);
            assertTrue(Files.isRegularFile(aside.resolve("CURRENT")), "a complete RocksDB state is built aside");
            // The process dies here: no swap.
        }
        assertTrue(Files.isDirectory(dir.resolve(Ledger.STATE_NEW)), "the aside state is left behind by the crash");
        try (Ledger ledger = Ledger.open(dir))
        {
            assertFalse(Files.exists(dir.resolve(Ledger.STATE_NEW)), "opening removes the unfinished restore");
            assertEquals(80, ledger.appliedIndex(), "the old state is the live one");
            assertEquals(oldHash, ledger.stateHash());
            apply(ledger, 81, "after", "crash");
            assertArrayEquals(b("crash"), ledger.state().get(b("after")));
            assertNotEquals(snap.stateHash(), ledger.stateHash());
        }
    }

    @Test
    void aCrashBetweenTheTwoRenamesFinishesTheRestoreAtTheNextOpen() throws IOException
    {
        final Path dir = tmp.resolve("l");
        final SnapshotInfo snap;
        try (Ledger ledger = Ledger.open(dir))
        {
            for (int i = 1; i <= 30; i++)
            {
                apply(ledger, i, "k" + (i % 5), "v" + i);
            }
            snap = ledger.snapshot(tmp.resolve("snaps").resolve("1_30"));
            for (int i = 31; i <= 60; i++)
            {
                apply(ledger, i, "k" + (i % 5), "v" + i);
            }
            ledger.buildAside(snap);
        }
        // The process died after the first rename of the swap (live state moved away, new state not yet in place).
        Files.move(dir.resolve(Ledger.STATE), dir.resolve(Ledger.STATE_OLD));
        try (Ledger ledger = Ledger.open(dir))
        {
            assertEquals(30, ledger.appliedIndex(), "the complete new state was swapped in");
            assertEquals(snap.stateHash(), ledger.stateHash());
            assertFalse(Files.exists(dir.resolve(Ledger.STATE_OLD)));
            assertFalse(Files.exists(dir.resolve(Ledger.STATE_NEW)));
        }
    }

    @Test
    void restoringASnapshotFromBeyondTheJournalRaisesItsFloorAndSurvivesReopening()
    {
        final Path leaderDir = tmp.resolve("leader");
        final SnapshotInfo snap;
        try (Ledger leader = Ledger.open(leaderDir))
        {
            for (int i = 1; i <= 100; i++)
            {
                apply(leader, i, "k" + (i % 13), "v" + i);
            }
            snap = leader.snapshot(tmp.resolve("snaps").resolve("1_100"));
        }
        final Path followerDir = tmp.resolve("follower");
        try (Ledger follower = Ledger.open(followerDir))
        {
            for (int i = 1; i <= 20; i++)
            {
                apply(follower, i, "k" + (i % 13), "v" + i);
            }
            follower.restore(snap.dir());
            assertEquals(100, follower.appliedIndex());
            assertEquals(snap.stateHash(), follower.stateHash());
            assertEquals(0, follower.journal().lastIndex(), "entries 1..20 are not a prefix of the history any more");
            assertEquals(List.of(), journalIndexes(follower.journal(), 0));
            apply(follower, 101, "new", "x");
            apply(follower, 102, "new", "y");
        }
        try (Ledger follower = Ledger.open(followerDir))
        {
            assertEquals(102, follower.appliedIndex());
            assertEquals(101, follower.journal().firstIndex());
            assertEquals(102, follower.journal().lastIndex());
            assertEquals(List.of(101L, 102L), journalIndexes(follower.journal(), 0));
            assertEquals(List.of(102L), journalIndexes(follower.journal(), 101));
        }
    }

    @Test
    void aDamagedSnapshotIsRefusedAndTheLiveStateStays() throws IOException
    {
        final Path dir = tmp.resolve("l");
        try (Ledger ledger = Ledger.open(dir))
        {
            for (int i = 1; i <= 10; i++)
            {
                apply(ledger, i, "k" + i, "v" + i);
            }
            final SnapshotInfo snap = ledger.snapshot(tmp.resolve("snaps").resolve("1_10"));
            apply(ledger, 11, "k11", "v11");
            final String live = ledger.stateHash();
            final Path props = snap.dir().resolve(SnapshotInfo.FILE);
            Files.writeString(props, Files.readString(props).replaceAll("stateHash=[0-9a-f]+", "stateHash=00"));
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> ledger.restore(snap.dir()));
            assertTrue(ex.getMessage().contains("state hash"), ex.getMessage());
            assertEquals(11, ledger.appliedIndex());
            assertEquals(live, ledger.stateHash());
            assertFalse(Files.exists(dir.resolve(Ledger.STATE_NEW)));
        }
    }

    @Test
    void snapshotsAreCompleteAndPrivate() throws IOException
    {
        try (Ledger ledger = Ledger.open(tmp.resolve("l")))
        {
            apply(ledger, 1, "a", "1");
            final Path target = tmp.resolve("snaps").resolve("1_1");
            final SnapshotInfo snap = ledger.snapshot(target);
            assertEquals(target, snap.dir());
            assertFalse(Files.exists(tmp.resolve("snaps").resolve("1_1.tmp")));
            assertFalse(Files.exists(target.resolve(SnapshotInfo.FILE + ".tmp")));
            assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(target.resolve(SnapshotInfo.FILE))));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
            assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("l"))));
            assertEquals(1, SnapshotInfo.read(target).index());
        }
    }

    @Test
    void trimmingDropsWholeRollCyclesBelowTheIndexAndReadersSeekWithoutScanning()
    {
        final SetTimeProvider clock = new SetTimeProvider(TimeUnit.HOURS.toNanos(24 * 400));
        final Path dir = tmp.resolve("j");
        long index = 0;
        try (Journal journal = Journal.open(dir, clock))
        {
            for (int hour = 0; hour < 5; hour++)
            {
                for (int i = 0; i < 300; i++)
                {
                    index += 1 + (i % 3 == 0 ? 1 : 0); // the log's indexes have gaps (configuration entries)
                    journal.append(index, 1, b("e" + index));
                }
                if (hour < 4)
                {
                    clock.advanceMillis(TimeUnit.HOURS.toMillis(1));
                }
            }
            assertEquals(5, journal.cycleCount());
        }
        final long last = index;
        try (Journal journal = Journal.open(dir, clock))
        {
            assertEquals(last, journal.lastIndex(), "the last index is read from the last entry at open");
            final List<Long> all = journalIndexes(journal, 0);
            assertEquals(1500, all.size());
            for (final long after : new long[] {0, 1, 2, 399, 400, 401, 799, 1200, last - 1, last})
            {
                final List<Long> from = journalIndexes(journal, after);
                final List<Long> expected = all.stream().filter(i -> i > after).toList();
                assertEquals(expected, from, "reader after " + after);
            }
            final long firstOfThird = all.get(600);
            assertEquals(0, journal.trim(all.get(298)), "the first cycle still has an entry above the index");
            assertEquals(2, journal.trim(firstOfThird - 1), "cycles 1 and 2 lie at or below the index");
            assertEquals(3, journal.cycleCount());
            assertEquals(firstOfThird, journal.firstIndex());
            assertEquals(all.subList(600, 1500), journalIndexes(journal, 0));
            assertEquals(all.subList(901, 1500), journalIndexes(journal, all.get(900)));
            assertEquals(2, journal.trim(last), "the cycle being written stays");
            assertEquals(1, journal.cycleCount());
            journal.append(last + 1, 2, b("more"));
            assertEquals(last + 1, journal.lastIndex());
        }
        try (Journal journal = Journal.open(dir, clock); Stream<Path> files = Files.list(dir))
        {
            assertEquals(last + 1, journal.lastIndex());
            assertEquals(301, journalIndexes(journal, 0).size());
            assertEquals(1, files.filter(p -> p.toString().endsWith(".cq4")).count());
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
