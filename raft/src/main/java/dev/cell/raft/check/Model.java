package dev.cell.raft.check;

/**
 * A sequential specification: what an operation may return in a state, and the state after it.
 *
 * @param <S> the state (immutable; equals and hashCode define state identity for memoisation).
 * @param <I> an operation's input.
 * @param <O> an operation's output.
 * @since 0.1
 */
public interface Model<S, I, O>
{
    /**
     * @return the state before any operation.
     */
    S initial();

    /**
     * @param state  a state.
     * @param input  an operation's input.
     * @param output what the operation returned ({@code null} when the caller never learned the outcome).
     * @return the state after the operation, or {@code null} when the operation could not have returned
     * {@code output} in {@code state}.
     */
    S step(S state, I input, O output);
}
