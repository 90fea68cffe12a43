package dev.cell.raft.check;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks that a history is linearizable with respect to a {@link Model}: that there is a total order of its operations,
 * consistent with real time (an operation that returned before another was invoked comes first), in which every
 * operation's output is what the model says. Operations whose outcome is unknown may take effect at any point after
 * their invocation, or never.
 * <p>
 * The search is Wing and Gong's: walk the invocation/return events in time order, tentatively linearize an invoked
 * operation when the model allows it, backtrack on reaching the return of an operation not yet linearized; Lowe's
 * memoisation skips (set of linearized operations, state) pairs already explored. Histories of independent keys are
 * checked separately ({@link #checkPartitioned}), which keeps each search small.
 *
 * @since 0.1
 */
public final class Linearizability
{
    private Linearizability()
    {
    }

    /**
     * The outcome of a check.
     *
     * @param linearizable true when a linearization exists.
     * @param partition    the partition (key) that failed, or null.
     * @param operations   how many operations were checked.
     * @param detail       for a failure: the longest linearizable prefix found and the operations left.
     */
    public record Result(boolean linearizable, String partition, int operations, String detail)
    {
    }

    /**
     * Check histories partitioned by key.
     *
     * @param model      the sequential model of one key.
     * @param operations all operations.
     * @param partition  the key of an operation.
     * @param <S>        state.
     * @param <I>        input.
     * @param <O>        output.
     * @return the first failing partition's result, or success.
     */
    public static <S, I, O> Result checkPartitioned(
        final Model<S, I, O> model,
        final Collection<Operation<I, O>> operations,
        final Function<I, String> partition)
    {
        final Map<String, List<Operation<I, O>>> byKey = new HashMap<>();
        for (final Operation<I, O> op : operations)
        {
            byKey.computeIfAbsent(partition.apply(op.input()), k -> new ArrayList<>()).add(op);
        }
        for (final Map.Entry<String, List<Operation<I, O>>> e : byKey.entrySet())
        {
            final Result r = check(model, e.getValue());
            if (!r.linearizable())
            {
                return new Result(false, e.getKey(), r.operations(), r.detail());
            }
        }
        return new Result(true, null, operations.size(), "");
    }

    /**
     * Check one history.
     *
     * @param model      the sequential model.
     * @param operations the operations.
     * @param <S>        state.
     * @param <I>        input.
     * @param <O>        output.
     * @return the result.
     */
    public static <S, I, O> Result check(final Model<S, I, O> model, final List<Operation<I, O>> operations)
    {
        final int n = operations.size();
        // Events: 2 per operation, sorted by time; at equal times calls come before returns (overlap is allowed).
        final List<long[]> events = new ArrayList<>(2 * n);
        for (int i = 0; i < n; i++)
        {
            final Operation<I, O> op = operations.get(i);
            if (op.returnNs() < op.callNs())
            {
                throw new IllegalArgumentException("operation " + op + " returns before it is called");
            }
            events.add(new long[] {op.callNs(), 0, i});
            events.add(new long[] {op.returnNs(), 1, i});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        // Doubly linked list over events; node k: op = id >> 1, isReturn = id & 1.
        final int size = 2 * n;
        final int[] id = new int[size + 1];
        final int[] next = new int[size + 1];
        final int[] prev = new int[size + 1];
        final int[] matchReturn = new int[n];
        final int head = size; // sentinel
        for (int k = 0; k < size; k++)
        {
            final long[] e = events.get(k);
            id[k] = ((int)e[2] << 1) | (int)e[1];
            if (e[1] == 1)
            {
                matchReturn[(int)e[2]] = k;
            }
        }
        next[head] = size == 0 ? -1 : 0;
        for (int k = 0; k < size; k++)
        {
            prev[k] = k == 0 ? head : k - 1;
            next[k] = k + 1 < size ? k + 1 : -1;
        }

        final Set<Memo> cache = new HashSet<>();
        final BitSet linearized = new BitSet(n);
        final int[] stackCall = new int[n];
        final List<S> stackState = new ArrayList<>(n);
        int depth = 0;
        int longest = 0;
        S state = model.initial();
        int entry = next[head];
        while (next[head] != -1)
        {
            if (entry == -1)
            {
                break;
            }
            final int opIndex = id[entry] >> 1;
            final boolean isReturn = (id[entry] & 1) == 1;
            if (!isReturn)
            {
                final Operation<I, O> op = operations.get(opIndex);
                final S after = model.step(state, op.input(), op.output());
                if (after != null)
                {
                    linearized.set(opIndex);
                    if (cache.add(new Memo((BitSet)linearized.clone(), after)))
                    {
                        stackCall[depth++] = entry;
                        stackState.add(state);
                        state = after;
                        lift(entry, matchReturn[opIndex], next, prev);
                        longest = Math.max(longest, depth);
                        entry = next[head];
                        continue;
                    }
                    linearized.clear(opIndex);
                }
                entry = next[entry];
            }
            else
            {
                if (depth == 0)
                {
                    return new Result(false, null, n, describeFailure(operations, linearized, longest));
                }
                final int call = stackCall[--depth];
                state = stackState.remove(depth);
                final int callOp = id[call] >> 1;
                linearized.clear(callOp);
                unlift(call, matchReturn[callOp], next, prev);
                entry = next[call];
            }
        }
        return new Result(true, null, n, "");
    }

    private static void lift(final int call, final int ret, final int[] next, final int[] prev)
    {
        next[prev[call]] = next[call];
        if (next[call] != -1)
        {
            prev[next[call]] = prev[call];
        }
        next[prev[ret]] = next[ret];
        if (next[ret] != -1)
        {
            prev[next[ret]] = prev[ret];
        }
    }

    private static void unlift(final int call, final int ret, final int[] next, final int[] prev)
    {
        if (next[ret] != -1)
        {
            prev[next[ret]] = ret;
        }
        next[prev[ret]] = ret;
        if (next[call] != -1)
        {
            prev[next[call]] = call;
        }
        next[prev[call]] = call;
    }

    private static <I, O> String describeFailure(
        final List<Operation<I, O>> operations, final BitSet linearized, final int longest)
    {
        final StringBuilder b = new StringBuilder("no linearization of ").append(operations.size())
            .append(" operations; the longest linearizable prefix had ").append(longest).append(" operations. ")
            .append("Operations (client, call, return, input -> output):");
        final List<Operation<I, O>> sorted = new ArrayList<>(operations);
        sorted.sort((a, c) -> Long.compare(a.callNs(), c.callNs()));
        final int show = Math.min(sorted.size(), 40);
        for (int i = 0; i < show; i++)
        {
            final Operation<I, O> op = sorted.get(i);
            b.append("\n  c").append(op.client()).append(' ').append(op.callNs()).append(' ')
                .append(op.returnNs() == Long.MAX_VALUE ? "?" : Long.toString(op.returnNs())).append(' ')
                .append(op.input()).append(" -> ").append(op.output());
        }
        if (sorted.size() > show)
        {
            b.append("\n  … ").append(sorted.size() - show).append(" more");
        }
        return b.toString();
    }

    private record Memo(BitSet linearized, Object state)
    {
    }
}
