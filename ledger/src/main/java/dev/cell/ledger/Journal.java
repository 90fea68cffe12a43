package dev.cell.ledger;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.collections.Long2LongHashMap;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The ordered journal of the commands a replica applied, in a Chronicle Queue under one folder. Each entry is
 * {@code index (int64), term (int64), payload length (int32), payload}. Appends are single-threaded (the apply
 * thread); any number of {@link JournalReader}s may tail it, in this process or another one opening the same folder.
 * <p>
 * The journal keeps a sparse in-memory map from log index to queue position (one point every
 * {@value #SPARSE_EVERY} entries) so a reader can start after any index without scanning from the beginning.
 *
 * @since 0.1
 */
public final class Journal implements JournalSource, AutoCloseable
{
    static final int SPARSE_EVERY = 1024;
    static final int ENTRY_HEADER = 8 + 8 + 4;

    private final Path dir;
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private final Long2LongHashMap sparse = new Long2LongHashMap(-1);
    private final Object sparseLock = new Object();
    private volatile long lastIndex;
    private long firstIndex;
    private long entries;

    private Journal(final Path dir, final ChronicleQueue queue)
    {
        this.dir = dir;
        this.queue = queue;
        this.appender = queue.createAppender();
        scan();
    }

    /**
     * Open (or create) the journal in {@code dir}.
     *
     * @param dir the journal's folder.
     * @return the open journal.
     */
    public static Journal open(final Path dir)
    {
        return new Journal(dir, build(dir, false));
    }

    static ChronicleQueue build(final Path dir, final boolean readOnly)
    {
        return SingleChronicleQueueBuilder.binary(dir.toFile())
            .rollCycle(RollCycles.FAST_DAILY)
            .readOnly(readOnly)
            .build();
    }

    private void scan()
    {
        try (ExcerptTailer tailer = queue.createTailer())
        {
            long count = 0;
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    final long index = dc.wire().bytes().readLong();
                    if (count == 0)
                    {
                        firstIndex = index;
                    }
                    if (count % SPARSE_EVERY == 0)
                    {
                        sparse.put(index, dc.index());
                    }
                    lastIndex = index;
                    count++;
                }
            }
            entries = count;
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
        return lastIndex;
    }

    /**
     * @return the log index of the first entry, 0 when empty.
     */
    public long firstIndex()
    {
        return firstIndex;
    }

    /**
     * Append one entry. Entries whose index is not above {@link #lastIndex()} are skipped (a replay after a restart
     * re-applies commands the journal already holds): the journal never holds an index twice.
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
        final long position;
        try (DocumentContext dc = appender.writingDocument())
        {
            final Bytes<?> bytes = dc.wire().bytes();
            bytes.writeLong(index).writeLong(term).writeInt(length);
            final int start = payload.position();
            bytes.writeSome(payload);
            payload.position(start);
            position = dc.index();
        }
        if (entries == 0)
        {
            firstIndex = index;
        }
        if (entries % SPARSE_EVERY == 0)
        {
            synchronized (sparseLock)
            {
                sparse.put(index, position);
            }
        }
        entries++;
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
        return new JournalReader(this, queue.createTailer());
    }

    @Override
    public JournalReader readerAfter(final long index)
    {
        final JournalReader reader = reader();
        long bestIndex = -1;
        long bestPosition = -1;
        synchronized (sparseLock)
        {
            final Long2LongHashMap.KeyIterator keys = sparse.keySet().iterator();
            while (keys.hasNext())
            {
                final long k = keys.nextValue();
                if (k <= index && k > bestIndex)
                {
                    bestIndex = k;
                    bestPosition = sparse.get(k);
                }
            }
        }
        if (bestPosition >= 0)
        {
            reader.moveTo(bestPosition);
        }
        reader.skipThrough(index);
        return reader;
    }

    @Override
    public void close()
    {
        appender.close();
        queue.close();
    }
}
