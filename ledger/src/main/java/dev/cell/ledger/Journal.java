package dev.cell.ledger;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NavigableSet;

/**
 * The ordered journal of the commands a replica applied, in a Chronicle Queue under one folder. Each entry is
 * {@code index (int64), term (int64), payload length (int32), payload}. Appends are single-threaded (the apply
 * thread); any number of {@link JournalReader}s may tail it, in this process or another one opening the same folder.
 * <p>
 * Opening reads only the last entry (its index); a reader that starts after an index finds its place with a binary
 * search over the queue's hourly roll cycles and the excerpts of one cycle (Chronicle indexes excerpts by position),
 * so neither depends on the journal's length. {@link #trim(long)} deletes whole roll-cycle files whose entries all lie
 * at or below an index (the replica's snapshot covers them); the journal then starts later. After the state was
 * replaced by a snapshot taken beyond the journal's end (snapshot install), the entries it held are no longer a
 * prefix of the applied history: the ledger raises the journal's floor past the snapshot and they stop being part of
 * it (readers never see them; trimming deletes their files later).
 *
 * @since 0.1
 */
public final class Journal implements JournalSource, AutoCloseable
{
    static final int ENTRY_HEADER = 8 + 8 + 4;
    static final RollCycle ROLL_CYCLE = RollCycles.FAST_HOURLY;

    private final Path dir;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private volatile long lastIndex;
    private volatile long floor;

    private Journal(final Path dir, final SingleChronicleQueue queue)
    {
        this.dir = dir;
        this.queue = queue;
        this.appender = queue.createAppender();
        this.lastIndex = readLastIndex();
    }

    /**
     * Open (or create) the journal in {@code dir} (created 0700 when absent).
     *
     * @param dir the journal's folder.
     * @return the open journal.
     */
    public static Journal open(final Path dir)
    {
        return open(dir, null);
    }

    /**
     * Open with a clock of the test's choosing (roll cycles follow it).
     */
    static Journal open(final Path dir, final TimeProvider time)
    {
        try
        {
            PrivateFiles.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create the journal folder " + dir, ex);
        }
        final SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(dir.toFile())
            .rollCycle(ROLL_CYCLE);
        if (time != null)
        {
            builder.timeProvider(time);
        }
        return new Journal(dir, builder.build());
    }

    private long readLastIndex()
    {
        try (ExcerptTailer tailer = queue.createTailer())
        {
            tailer.direction(TailerDirection.BACKWARD).toEnd();
            try (DocumentContext dc = tailer.readingDocument())
            {
                return dc.isPresent() ? dc.wire().bytes().readLong() : 0;
            }
        }
    }

    /**
     * @return the folder holding the queue files.
     */
    public Path dir()
    {
        return dir;
    }

    @Override
    public long lastIndex()
    {
        final long last = lastIndex;
        return last >= floor ? last : 0;
    }

    /**
     * @return the log index of the first entry, 0 when empty.
     */
    @Override
    public long firstIndex()
    {
        try (ExcerptTailer tailer = queue.createTailer())
        {
            final long after = Math.max(0, floor - 1);
            seek(tailer, after);
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        return 0;
                    }
                    final long index = dc.wire().bytes().readLong();
                    if (index > after)
                    {
                        return index;
                    }
                }
            }
        }
    }

    /**
     * @return the lowest index the journal may hold (entries below it were left behind by a snapshot install).
     */
    long floor()
    {
        return floor;
    }

    /**
     * Set the floor (the ledger keeps it in its state, so it changes atomically with a restore).
     */
    void floor(final long value)
    {
        floor = Math.max(0, value);
    }

    /**
     * @return the index of the last entry physically present, whatever the floor.
     */
    long physicalLastIndex()
    {
        return lastIndex;
    }

    /**
     * Append one entry. Entries whose index is not above {@link #lastIndex()} are skipped (a replay after a restart
     * re-applies commands the journal already holds): the journal never holds an index twice. Allocates nothing.
     *
     * @param index   the command's log index.
     * @param term    its term.
     * @param payload the command's bytes, from its position to its limit (the position is not moved).
     * @return true when appended, false when skipped.
     */
    public boolean append(final long index, final long term, final ByteBuffer payload)
    {
        if (index <= lastIndex)
        {
            return false;
        }
        final int length = payload.remaining();
        try (DocumentContext dc = appender.writingDocument())
        {
            final Bytes<?> bytes = dc.wire().bytes();
            bytes.writeLong(index).writeLong(term).writeInt(length);
            final int start = payload.position();
            bytes.writeSome(payload);
            payload.position(start);
        }
        lastIndex = index;
        return true;
    }

    /**
     * Append one entry from a byte array.
     *
     * @param index   the command's log index.
     * @param term    its term.
     * @param payload the command's bytes.
     * @return true when appended, false when skipped (see {@link #append(long, long, ByteBuffer)}).
     */
    public boolean append(final long index, final long term, final byte[] payload)
    {
        return append(index, term, ByteBuffer.wrap(payload));
    }

    /**
     * A reader positioned at the start of the journal.
     *
     * @return a new reader (close it; not thread safe).
     */
    public JournalReader reader()
    {
        return readerAfter(0);
    }

    @Override
    public JournalReader readerAfter(final long index)
    {
        final long after = Math.max(index, floor - 1);
        final ExcerptTailer tailer = queue.createTailer();
        seek(tailer, after);
        final JournalReader reader = new JournalReader(this, tailer);
        reader.skipThrough(after);
        return reader;
    }

    /**
     * Delete the roll-cycle files whose entries all have an index at or below {@code upto}; the cycle being written
     * stays. Readers positioned in a deleted cycle may fail; start readers after the journal's first index.
     *
     * @param upto the highest index that may go (a snapshot holds the state up to it).
     * @return how many files were deleted.
     */
    public int trim(final long upto)
    {
        queue.refreshDirectoryListing();
        final long[] cycles = cycles();
        int deleted = 0;
        try (ExcerptTailer tailer = queue.createTailer())
        {
            for (int i = 0; i + 1 < cycles.length; i++)
            {
                final long nextFirst = firstFrom(tailer, (int)cycles[i + 1]);
                if (nextFirst < 0 || nextFirst > upto + 1)
                {
                    break;
                }
                final File file = fileOf((int)cycles[i]);
                if (file != null)
                {
                    Files.deleteIfExists(file.toPath());
                    deleted++;
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot trim the journal in " + dir, ex);
        }
        if (deleted > 0)
        {
            queue.refreshDirectoryListing();
            try
            {
                PrivateFiles.fsyncDirectory(dir);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot fsync " + dir + " after trimming the journal", ex);
            }
        }
        return deleted;
    }

    /**
     * @return how many roll-cycle files the journal has.
     */
    int cycleCount()
    {
        return cycles().length;
    }

    private File fileOf(final int cycle)
    {
        final SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
        if (store == null)
        {
            return null;
        }
        try
        {
            return store.file();
        }
        finally
        {
            queue.closeStore(store);
        }
    }

    private long[] cycles()
    {
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE || first > last)
        {
            return new long[0];
        }
        final NavigableSet<Long> set = queue.listCyclesBetween(first, last);
        final long[] out = new long[set.size()];
        int i = 0;
        for (final long c : set)
        {
            out[i++] = c;
        }
        return out;
    }

    /**
     * Position {@code tailer} at or before the first entry whose index is above {@code after}, close enough that
     * reading on from there skips at most a few entries: a binary search over roll cycles (by their first entry),
     * then over the excerpts of one cycle.
     */
    private void seek(final ExcerptTailer tailer, final long after)
    {
        tailer.toStart();
        if (after <= 0)
        {
            return;
        }
        final long[] cycles = cycles();
        int lo = 0;
        int hi = cycles.length - 1;
        int found = -1;
        while (lo <= hi)
        {
            final int mid = (lo + hi) >>> 1;
            final long first = firstFrom(tailer, (int)cycles[mid]);
            if (first >= 0 && first <= after)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        if (found < 0)
        {
            tailer.toStart();
            return;
        }
        final int cycle = (int)cycles[found];
        long good = 0;
        long step = 1;
        while (atOrBelow(tailer, cycle, good + step, after))
        {
            good += step;
            step <<= 1;
        }
        while (step > 1)
        {
            step >>= 1;
            if (atOrBelow(tailer, cycle, good + step, after))
            {
                good += step;
            }
        }
        if (!tailer.moveToIndex(queue.rollCycle().toIndex(cycle, good)))
        {
            tailer.moveToCycle(cycle);
        }
    }

    private boolean atOrBelow(final ExcerptTailer tailer, final int cycle, final long sequence, final long after)
    {
        final long position = queue.rollCycle().toIndex(cycle, sequence);
        if (!tailer.moveToIndex(position))
        {
            return false;
        }
        try (DocumentContext dc = tailer.readingDocument())
        {
            return dc.isPresent() && dc.index() == position && dc.wire().bytes().readLong() <= after;
        }
    }

    /**
     * @return the index of the first entry at or after the start of {@code cycle}, -1 when there is none.
     */
    private static long firstFrom(final ExcerptTailer tailer, final int cycle)
    {
        if (!tailer.moveToCycle(cycle))
        {
            return -1;
        }
        try (DocumentContext dc = tailer.readingDocument())
        {
            return dc.isPresent() ? dc.wire().bytes().readLong() : -1;
        }
    }

    @Override
    public void close()
    {
        appender.close();
        queue.close();
    }
}
