package dev.cell.examples.kv;

import dev.cell.ledger.JournalReader;
import dev.cell.ledger.JournalSource;
import dev.cell.ledger.State;
import dev.cell.ledger.Stateful;
import dev.cell.runtime.Cell;
import dev.cell.runtime.Command;
import dev.cell.runtime.Query;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A replicated key-value database cell. Writes are commands (applied on every replica in log order, exactly once per
 * call: a client's retry, also through another replica, gets the first reply); reads are linearizable queries, except {@link #getStale}. A key's version is the log index of the
 * write that set it. {@link #changes} reads the journal of applied commands: a watch of a key prefix that any client
 * can follow from any index.
 */
@Cell(value = "kv", stateful = true)
public final class Kv implements Stateful
{
    private static final byte[] DATA = {'d', '/'};
    private static final byte[] DATA_END = {'d', '0'};
    private static final byte[] CAS_FAILED = {'f', '/'};
    private static final byte[] EMPTY = new byte[0];
    private static final int MAX_LIMIT = 10_000;

    private State state;
    private JournalSource journal;

    @Override
    public void attach(final State state, final JournalSource journal)
    {
        this.state = state;
        this.journal = journal;
    }

    /**
     * @param key the key.
     * @return its value (linearizable: sees every write acknowledged before this call started).
     */
    @Query
    public Value get(final Key key)
    {
        return read(key.key());
    }

    /**
     * @param key the key.
     * @return its value on the replica this call reached, which may miss the latest writes.
     */
    @Query(stale = true)
    public Value getStale(final Key key)
    {
        return read(key.key());
    }

    private Value read(final String key)
    {
        final byte[] stored = state.get(dataKey(key));
        if (stored == null)
        {
            return new Value(false, EMPTY, 0);
        }
        return new Value(true, Arrays.copyOfRange(stored, 8, stored.length), ByteBuffer.wrap(stored).getLong());
    }

    /**
     * @param put key and value.
     * @return the new version and the previous value.
     */
    @Command
    public Written put(final Put put)
    {
        final Value before = read(checkKey(put.key()));
        final long version = state.index();
        state.put(dataKey(put.key()), stored(version, put.value()));
        return new Written(version, before.found(), before.value());
    }

    /**
     * @param delete the key.
     * @return whether it existed and its value.
     */
    @Command
    public Written delete(final Delete delete)
    {
        final Value before = read(checkKey(delete.key()));
        state.delete(dataKey(delete.key()));
        return new Written(0, before.found(), before.value());
    }

    /**
     * @param cas key, expected version (0: absent), value.
     * @return the new version and the previous value.
     * @throws VersionMismatch when the key has another version; nothing changes.
     */
    @Command
    public Written compareAndSet(final CompareAndSet cas) throws VersionMismatch
    {
        final Value before = read(checkKey(cas.key()));
        if (before.version() != cas.expectedVersion())
        {
            state.put(casFailedKey(state.index()), EMPTY);
            throw new VersionMismatch(cas.key(), cas.expectedVersion(), before.version());
        }
        final long version = state.index();
        state.put(dataKey(cas.key()), stored(version, cas.value()));
        return new Written(version, before.found(), before.value());
    }

    /**
     * @param range from (inclusive), to (exclusive, empty: no end), limit.
     * @return the entries in key order (linearizable).
     */
    @Query
    public Entries scan(final ScanRange range)
    {
        final int limit = checkLimit(range.maxEntries());
        final byte[] from = range.from().isEmpty() ? DATA : dataKey(range.from());
        final byte[] to = range.to().isEmpty() ? DATA_END : dataKey(range.to());
        final List<Entry> entries = new ArrayList<>();
        state.scan(from, to, limit, (k, v) -> entries.add(new Entry(
            new String(k, 2, k.length - 2, StandardCharsets.UTF_8),
            Arrays.copyOfRange(v, 8, v.length), ByteBuffer.wrap(v).getLong())));
        return new Entries(entries);
    }

    /**
     * The applied puts, deletes and successful compare-and-sets of keys starting with a prefix, read from the journal.
     *
     * @param watch prefix, the index to continue after, limit.
     * @return the changes and where to continue.
     */
    @Query
    public Changes changes(final Watch watch)
    {
        final int limit = checkLimit(watch.maxChanges());
        final List<Change> changes = new ArrayList<>();
        final long[] last = {watch.afterIndex()};
        final KvJournal replay = new KvJournal(new KvJournal.Commands()
        {
            @Override
            public void put(final long index, final Put put)
            {
                add(index, put.key(), put.value(), false);
            }

            @Override
            public void delete(final long index, final Delete delete)
            {
                add(index, delete.key(), EMPTY, true);
            }

            @Override
            public void compareAndSet(final long index, final CompareAndSet cas)
            {
                if (state.get(casFailedKey(index)) == null)
                {
                    add(index, cas.key(), cas.value(), false);
                }
            }

            private void add(final long index, final String key, final byte[] value, final boolean deleted)
            {
                if (key.startsWith(watch.prefix()))
                {
                    changes.add(new Change(index, key, value, deleted));
                }
            }
        });
        try (JournalReader reader = journal.readerAfter(watch.afterIndex()))
        {
            while (changes.size() < limit && reader.next(replay))
            {
                last[0] = reader.lastIndex();
            }
        }
        return new Changes(changes, last[0]);
    }

    /**
     * @param nothing nothing.
     * @return this replica's applied index, key count and state hash (answered locally).
     */
    @Query(stale = true)
    public Status status(final Nothing nothing)
    {
        final MessageDigest digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
        final long[] keys = {0};
        final long index = state.index();
        state.scan(EMPTY, null, Integer.MAX_VALUE, (k, v) ->
        {
            if (k.length > 1 && k[0] == 'd')
            {
                keys[0]++;
            }
            digest.update(ByteBuffer.allocate(4).putInt(k.length).array());
            digest.update(k);
            digest.update(ByteBuffer.allocate(4).putInt(v.length).array());
            digest.update(v);
            return true;
        });
        return new Status(index, keys[0], HexFormat.of().formatHex(digest.digest()));
    }

    private static String checkKey(final String key)
    {
        if (key == null || key.isEmpty())
        {
            throw new IllegalArgumentException("key is empty: give every entry a non-empty key");
        }
        return key;
    }

    private static int checkLimit(final int limit)
    {
        if (limit < 1 || limit > MAX_LIMIT)
        {
            throw new IllegalArgumentException("limit " + limit + " is out of range: use 1 to " + MAX_LIMIT);
        }
        return limit;
    }

    private static byte[] dataKey(final String key)
    {
        final byte[] k = key.getBytes(StandardCharsets.UTF_8);
        final byte[] out = new byte[2 + k.length];
        out[0] = 'd';
        out[1] = '/';
        System.arraycopy(k, 0, out, 2, k.length);
        return out;
    }

    private static byte[] casFailedKey(final long index)
    {
        return ByteBuffer.allocate(CAS_FAILED.length + 8).put(CAS_FAILED).putLong(index).array();
    }

    private static byte[] stored(final long version, final byte[] value)
    {
        return ByteBuffer.allocate(8 + value.length).putLong(version).put(value).array();
    }
}
