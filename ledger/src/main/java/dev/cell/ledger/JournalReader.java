package dev.cell.ledger;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Tails a {@link Journal} in order. Not thread safe; close it when done. Reading allocates nothing once its buffer
 * has grown to the largest entry.
 *
 * @since 0.1
 */
public final class JournalReader implements AutoCloseable
{
    private final Journal journal;
    private final ExcerptTailer tailer;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private byte[] scratch = new byte[256];
    private long lastIndex;

    JournalReader(final Journal journal, final ExcerptTailer tailer)
    {
        this.journal = journal;
        this.tailer = tailer;
    }

    void skipThrough(final long index)
    {
        while (true)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    return;
                }
                final long entryIndex = dc.wire().bytes().readLong();
                if (entryIndex > index)
                {
                    dc.rollbackOnClose();
                    return;
                }
                lastIndex = entryIndex;
            }
        }
    }

    /**
     * Read the next entry if there is one.
     *
     * @param handler receives it.
     * @return true when an entry was read, false when the reader is at the end (for now).
     */
    public boolean next(final JournalHandler handler)
    {
        try (DocumentContext dc = tailer.readingDocument())
        {
            if (!dc.isPresent())
            {
                return false;
            }
            final Bytes<?> bytes = dc.wire().bytes();
            final long index = bytes.readLong();
            final long term = bytes.readLong();
            final int length = bytes.readInt();
            if (scratch.length < length)
            {
                scratch = new byte[Math.max(length, scratch.length * 2)];
                view.wrap(scratch);
            }
            else if (view.capacity() != scratch.length)
            {
                view.wrap(scratch);
            }
            bytes.read(scratch, 0, length);
            lastIndex = index;
            handler.onEntry(index, term, view, 0, length);
            return true;
        }
    }

    /**
     * Read up to {@code limit} entries.
     *
     * @param handler receives them.
     * @param limit   most entries to read.
     * @return how many were read.
     */
    public int poll(final JournalHandler handler, final int limit)
    {
        int read = 0;
        while (read < limit && next(handler))
        {
            read++;
        }
        return read;
    }

    /**
     * @return the index of the last entry this reader returned or skipped, 0 before any.
     */
    public long lastIndex()
    {
        return lastIndex;
    }

    /**
     * @return the journal this reader tails.
     */
    public Journal journal()
    {
        return journal;
    }

    @Override
    public void close()
    {
        tailer.close();
    }
}
