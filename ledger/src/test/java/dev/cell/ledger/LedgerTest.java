package dev.cell.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LedgerTest
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
            if (value == null)
            {
                ledger.state().delete(b(key));
            }
            else
            {
                ledger.state().put(b(key), b(value));
            }
            ledger.commit(ByteBuffer.wrap(b(key + "=" + value)));
        }
    }

    @Test
    void appliesCommandsAtomicallyAndSkipsReplayedIndexes()
    {
        final Path dir = tmp.resolve("l");
        try (Ledger ledger = Ledger.open(dir))
        {
            apply(ledger, 1, "a", "1");
            apply(ledger, 2, "b", "2");
            assertTrue(ledger.begin(3, 1));
            ledger.state().put(b("c"), b("3"));
            assertArrayEquals(b("3"), ledger.state().get(b("c")), "a command reads its own pending write");
            ledger.commit(ByteBuffer.wrap(b("c=3")));
            assertEquals(3, ledger.appliedIndex());
            assertFalse(ledger.begin(2, 1), "index 2 is applied already");
        }
        try (Ledger ledger = Ledger.open(dir))
        {
            assertEquals(3, ledger.appliedIndex());
            assertEquals(3, ledger.journal().lastIndex());
            assertArrayEquals(b("2"), ledger.state().get(b("b")));
            assertFalse(ledger.begin(3, 1));
            apply(ledger, 4, "a", null);
            assertNull(ledger.state().get(b("a")));
        }
    }

    @Test
    void writesOutsideApplyAreRefused()
    {
        try (Ledger ledger = Ledger.open(tmp.resolve("l")))
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> ledger.state().put(b("x"), b("y")));
            assertTrue(ex.getMessage().contains("only while a command is applied"), ex.getMessage());
        }
    }

    @Test
    void journalReplaysInOrderAndSeeksAfterAnIndex()
    {
        try (Ledger ledger = Ledger.open(tmp.resolve("l")))
        {
            for (int i = 1; i <= 3000; i++)
            {
                apply(ledger, i, "k" + i, "v" + i);
            }
            final List<Long> seen = new ArrayList<>();
            try (JournalReader reader = ledger.journal().reader())
            {
                while (reader.next((index, term, payload, offset, length) -> seen.add(index)))
                {
                    // read all
                }
            }
            assertEquals(3000, seen.size());
            for (int i = 0; i < seen.size(); i++)
            {
                assertEquals(i + 1, seen.get(i));
            }
            try (JournalReader reader = ledger.journal().readerAfter(2500))
            {
                final long[] first = new long[1];
                final String[] text = new String[1];
                assertTrue(reader.next((index, term, payload, offset, length) ->
                {
                    first[0] = index;
                    text[0] = payload.getStringWithoutLengthUtf8(offset, length);
                }));
                assertEquals(2501, first[0]);
                assertEquals("k2501=v2501", text[0]);
            }
            try (JournalReader reader = ledger.journal().readerAfter(3000))
            {
                assertFalse(reader.next((index, term, payload, offset, length) -> { }));
            }
        }
    }

    @Test
    void snapshotRestoreReachesTheSameStateHash()
    {
        final long seed = System.nanoTime();
        System.out.println("LedgerTest seed " + seed);
        final Random random = new Random(seed);
        try (Ledger a = Ledger.open(tmp.resolve("a")); Ledger b = Ledger.open(tmp.resolve("b")))
        {
            for (int i = 1; i <= 500; i++)
            {
                final String key = "k" + random.nextInt(100);
                final String value = random.nextInt(5) == 0 ? null : "v" + random.nextInt();
                apply(a, i, key, value);
                apply(b, i, key, value);
            }
            final SnapshotInfo snap = a.snapshot(tmp.resolve("snaps").resolve("500"));
            assertEquals(500, snap.index());
            assertEquals(a.stateHash(), snap.stateHash());
            for (int i = 501; i <= 700; i++)
            {
                final String key = "k" + random.nextInt(100);
                final String value = "w" + random.nextInt();
                apply(a, i, key, value);
                apply(b, i, key, value);
            }
            assertEquals(a.stateHash(), b.stateHash(), "seed " + seed);
            final String before = a.stateHash();
            a.restore(snap.dir());
            assertEquals(500, a.appliedIndex());
            assertEquals(snap.stateHash(), a.stateHash());
            assertNotEquals(before, a.stateHash(), "seed " + seed);
            assertEquals(700, a.journal().lastIndex(), "the journal keeps what it held");
            // Replaying 501..700 from the journal's payloads reaches b's state.
            final Random replay = new Random(seed);
            for (int i = 1; i <= 500; i++)
            {
                replay.nextInt(100);
                if (replay.nextInt(5) != 0)
                {
                    replay.nextInt();
                }
            }
            for (int i = 501; i <= 700; i++)
            {
                apply(a, i, "k" + replay.nextInt(100), "w" + replay.nextInt());
            }
            assertEquals(b.stateHash(), a.stateHash(), "seed " + seed);
            assertEquals(700, a.journal().lastIndex());
        }
    }

    @Test
    void scanVisitsARangeInKeyOrder()
    {
        try (Ledger ledger = Ledger.open(tmp.resolve("l")))
        {
            long i = 1;
            for (final String k : new String[] {"b/2", "a/1", "b/1", "c/1", "b/3"})
            {
                apply(ledger, i++, k, k.toUpperCase());
            }
            final List<String> keys = new ArrayList<>();
            ledger.state().scan(b("b/"), b("b0"), 10, (k, v) -> keys.add(new String(k, StandardCharsets.UTF_8)));
            assertEquals(List.of("b/1", "b/2", "b/3"), keys);
            keys.clear();
            ledger.state().scan(new byte[0], null, 2, (k, v) -> keys.add(new String(k, StandardCharsets.UTF_8)));
            assertEquals(List.of("a/1", "b/1"), keys);
        }
    }

    @Test
    void aDamagedSnapshotFolderIsRefusedWithItsName()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> SnapshotInfo.read(tmp.resolve("nope")));
        assertTrue(ex.getMessage().contains("nope"), ex.getMessage());
    }
}
