package dev.cell.runtime.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many hedges a racing client may send (one per 20 calls, banked up to 10), and the first of a hedged call's two
 * answers.
 * <p>
 * Hedging after the p-th percentile sends about (100 - p) % of calls twice, as fast as the budget refills, so without
 * a reserve the budget sits near empty; when an instance then dies, the calls in flight to it would wait for its death
 * to be detected. The percentile hedges therefore leave {@link #RESERVE} tokens, spent only on a call whose instance
 * has not answered after {@link #RESCUE_FACTOR} hedge delays.
 * <p>
 * <b>Note:</b> updated by the calling threads without a lock: a lost update miscounts one hedge.
 */
final class HedgeBudget
{
    /**
     * A call not answered after this many hedge delays is sent again from the reserve.
     */
    static final int RESCUE_FACTOR = 4;

    private static final double PER_CALL = 0.05;
    private static final double MAX = 10;
    private static final double RESERVE = 5;

    private volatile double tokens = MAX;

    /**
     * A call was made: it earns a twentieth of a hedge.
     */
    void earn()
    {
        tokens = Math.min(MAX, tokens + PER_CALL);
    }

    /**
     * @param rescue true to spend from the reserve (a call unanswered for {@link #RESCUE_FACTOR} hedge delays).
     * @return true when a hedge may be sent; it is spent.
     */
    boolean spend(final boolean rescue)
    {
        final double budget = tokens;
        if (budget < 1 + (rescue ? 0 : RESERVE))
        {
            return false;
        }
        tokens = budget - 1;
        return true;
    }

    /**
     * The two attempts of a hedged call: the first answer wins; it fails only when both failed.
     *
     * @param winner completed with the member that answered first.
     * @return the answer.
     */
    static CompletableFuture<Reply> firstAnswer(
        final CompletableFuture<Reply> a, final RaceMember fromA, final CompletableFuture<Reply> b,
        final RaceMember fromB, final CompletableFuture<RaceMember> winner)
    {
        final CompletableFuture<Reply> answer = new CompletableFuture<>();
        final AtomicInteger failures = new AtomicInteger();
        a.whenComplete((r, ex) -> settle(answer, winner, failures, fromA, r, ex));
        b.whenComplete((r, ex) -> settle(answer, winner, failures, fromB, r, ex));
        return answer;
    }

    private static void settle(
        final CompletableFuture<Reply> answer, final CompletableFuture<RaceMember> winner,
        final AtomicInteger failures, final RaceMember from, final Reply reply, final Throwable failure)
    {
        if (failure == null)
        {
            if (answer.complete(reply))
            {
                winner.complete(from);
            }
        }
        else if (failures.incrementAndGet() == 2)
        {
            answer.completeExceptionally(failure);
        }
    }
}
