package dev.cell.runtime.client;

import dev.cell.runtime.CellException;
import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.genome.Genome;

import java.util.Objects;

/**
 * Checks a reply (a handler's result or one of its declared errors) against the producer's genome before anything
 * decodes it: every length, count and enum within the reply and within the schema's maximums ({@link FrameCheck}),
 * so a lying instance cannot make SBE's decoders read past the reply or allocate what its lengths claim.
 * <p>
 * The genome must be one the client can trust: generated clients read the one their build wrote onto the class path
 * (the producer's own, or for a {@code @CellRemote} client the genome it was generated from). The generic client
 * ({@code cell call}) has only the genome the instance itself sends, so it checks replies against what the instance
 * claims: still no read past the reply and no allocation beyond it, but the instance chooses the maximums.
 * <p>
 * Checking allocates nothing while replies pass. <b>Note:</b> not thread safe: one per thread ({@link #copy()});
 * generated clients keep one per {@code Flyweight}.
 *
 * @since 0.2
 */
public final class ReplyCheck
{
    private final String cell;
    private final FrameCheck check;

    private ReplyCheck(final String cell, final FrameCheck check)
    {
        this.cell = cell;
        this.check = check;
    }

    /**
     * @param cell   the cell's served name, for the exceptions.
     * @param genome the producer's genome.
     * @return a check of its results and declared errors.
     * @throws IllegalArgumentException when the genome's schema cannot be parsed.
     */
    public static ReplyCheck of(final String cell, final Genome genome)
    {
        return new ReplyCheck(Objects.requireNonNull(cell, "cell"), FrameCheck.of(genome));
    }

    /**
     * @return a check of the same genome, for another thread.
     */
    public ReplyCheck copy()
    {
        return new ReplyCheck(cell, check.copy());
    }

    /**
     * Check a reply before it is decoded.
     *
     * @param reply   the reply, header first.
     * @param handler the handler that was called, for the exception.
     * @throws CellException.Rejected naming the handler, the message and the field when the reply lies about its
     *                                lengths, counts or enums (only this call fails; the connection stays open).
     */
    public void check(final Reply reply, final String handler)
    {
        if (!check.check(reply.buffer(), 0, reply.length()))
        {
            final String of = check.handlerName();
            throw new CellException.Rejected(cell, "reply refused before decoding: " + check.problem() +
                (handler.equals(of) ? "" : " (the reply to handler '" + handler + "')"));
        }
    }
}
