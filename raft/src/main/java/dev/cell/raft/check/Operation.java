package dev.cell.raft.check;

/**
 * One operation of a history, as a client saw it.
 *
 * @param client   who ran it (for reports).
 * @param callNs   when it was invoked (any monotonic clock shared by all clients of the history).
 * @param returnNs when its result arrived; {@link Long#MAX_VALUE} when it never did (a timeout or crash: the
 *                 operation may or may not have taken effect).
 * @param input    its input.
 * @param output   its output; {@code null} when unknown.
 * @param <I>      input type.
 * @param <O>      output type.
 * @since 0.1
 */
public record Operation<I, O>(int client, long callNs, long returnNs, I input, O output)
{
    /**
     * @param client who ran it.
     * @param callNs when it was invoked.
     * @param input  its input.
     * @param <I>    input type.
     * @param <O>    output type.
     * @return an operation whose outcome is unknown.
     */
    public static <I, O> Operation<I, O> unknown(final int client, final long callNs, final I input)
    {
        return new Operation<>(client, callNs, Long.MAX_VALUE, input, null);
    }
}
