package dev.cell.raft.fragile;

import dev.cell.ledger.JournalReader;
import dev.cell.ledger.JournalSource;
import dev.cell.ledger.State;
import dev.cell.ledger.Stateful;
import dev.cell.runtime.Cell;
import dev.cell.runtime.Command;
import dev.cell.runtime.Query;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test cell whose {@link #explode} command writes and then throws what it is told to, {@code Error}s included: the
 * raft layer must turn that into the same recorded failure on every replica and keep serving.
 */
@Cell(value = "fragile", stateful = true)
public final class Fragile implements Stateful
{
    /** How many times {@link #explode} ran in this JVM (on every replica here). */
    public static final AtomicLong EXPLOSIONS = new AtomicLong();

    private State state;
    private JournalSource journal;

    @Override
    public void attach(final State state, final JournalSource journal)
    {
        this.state = state;
        this.journal = journal;
    }

    /**
     * @param name ignored.
     * @return how many entries this replica's journal holds (answered locally).
     */
    @Query(stale = true)
    public Done journalEntries(final Name name)
    {
        long n = 0;
        try (JournalReader reader = journal.readerAfter(0))
        {
            while (reader.next((index, term, payload, offset, length) ->
            {
            }))
            {
                n++;
            }
        }
        return new Done(n);
    }

    /**
     * @param note key and text.
     * @return the log index it was written at.
     */
    @Command
    public Done write(final Note note)
    {
        state.put(note.key().getBytes(StandardCharsets.UTF_8), note.text().getBytes(StandardCharsets.UTF_8));
        return new Done(state.index());
    }

    /**
     * @param boom what to write before throwing, and what to throw: "oom", "stack", "assert" or anything else for
     *             an {@code IllegalStateException}.
     * @return never.
     */
    @Command
    public Done explode(final Boom boom)
    {
        EXPLOSIONS.incrementAndGet();
        state.put(boom.key().getBytes(StandardCharsets.UTF_8), "partial".getBytes(StandardCharsets.UTF_8));
        switch (boom.kind())
        {
            case "oom" -> throw new OutOfMemoryError("planted: Requested array size exceeds VM limit");
            case "stack" -> throw new StackOverflowError("planted");
            case "assert" -> throw new AssertionError("planted");
            default -> throw new IllegalStateException("planted");
        }
    }

    /**
     * @param name a key.
     * @return its text, "" when absent (linearizable).
     */
    @Query
    public Text read(final Name name)
    {
        final byte[] v = state.get(name.key().getBytes(StandardCharsets.UTF_8));
        return new Text(v != null, v == null ? "" : new String(v, StandardCharsets.UTF_8));
    }
}
