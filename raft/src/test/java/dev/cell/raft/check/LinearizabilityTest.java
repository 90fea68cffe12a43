package dev.cell.raft.check;

import dev.cell.raft.check.RegisterModel.Input;
import dev.cell.raft.check.RegisterModel.Output;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearizabilityTest
{
    private static final RegisterModel MODEL = new RegisterModel();

    private static Operation<Input, Output> op(final int c, final long call, final long ret, final Input in,
        final Output out)
    {
        return new Operation<>(c, call, ret, in, out);
    }

    private static Output read(final String v)
    {
        return new Output(true, v);
    }

    private static final Output OK = new Output(true, null);

    @Test
    void concurrentReadMaySeeEitherValue()
    {
        final List<Operation<Input, Output>> h = List.of(
            op(0, 0, 10, Input.write("k", "a"), OK),
            op(1, 20, 40, Input.write("k", "b"), OK),
            op(2, 25, 30, Input.read("k"), read("a")),
            op(3, 26, 35, Input.read("k"), read("b")));
        assertTrue(Linearizability.check(MODEL, h).linearizable());
    }

    @Test
    void aStaleReadAfterAnAcknowledgedWriteIsCaught()
    {
        final List<Operation<Input, Output>> h = List.of(
            op(0, 0, 10, Input.write("k", "a"), OK),
            op(0, 20, 30, Input.write("k", "b"), OK),
            op(1, 31, 40, Input.read("k"), read("a")));
        final Linearizability.Result r = Linearizability.check(MODEL, h);
        assertFalse(r.linearizable());
        assertTrue(r.detail().contains("no linearization"), r.detail());
    }

    @Test
    void readsGoingBackInTimeAreCaught()
    {
        final List<Operation<Input, Output>> h = List.of(
            op(0, 0, 100, Input.write("k", "b"), OK),
            op(1, 10, 20, Input.read("k"), read("b")),
            op(2, 30, 40, Input.read("k"), read(null)));
        assertFalse(Linearizability.check(MODEL, h).linearizable());
    }

    @Test
    void aWriteWithUnknownOutcomeMayOrMayNotHaveHappened()
    {
        final List<Operation<Input, Output>> seen = List.of(
            Operation.unknown(0, 0, Input.write("k", "x")),
            op(1, 50, 60, Input.read("k"), read("x")));
        assertTrue(Linearizability.check(MODEL, seen).linearizable());
        final List<Operation<Input, Output>> notSeen = List.of(
            Operation.unknown(0, 0, Input.write("k", "x")),
            op(1, 50, 60, Input.read("k"), read(null)));
        assertTrue(Linearizability.check(MODEL, notSeen).linearizable());
        final List<Operation<Input, Output>> lostAcknowledged = List.of(
            op(0, 0, 10, Input.write("k", "x"), OK),
            op(1, 50, 60, Input.read("k"), read(null)));
        assertFalse(Linearizability.check(MODEL, lostAcknowledged).linearizable());
    }

    @Test
    void compareAndSetMustAgreeWithTheValue()
    {
        final List<Operation<Input, Output>> good = List.of(
            op(0, 0, 10, Input.write("k", "a"), OK),
            op(1, 20, 30, Input.cas("k", "a", "b"), new Output(true, null)),
            op(2, 40, 50, Input.cas("k", "a", "c"), new Output(false, null)),
            op(3, 60, 70, Input.read("k"), read("b")));
        assertTrue(Linearizability.check(MODEL, good).linearizable());
        final List<Operation<Input, Output>> bad = List.of(
            op(0, 0, 10, Input.write("k", "a"), OK),
            op(1, 20, 30, Input.cas("k", "a", "b"), new Output(true, null)),
            op(2, 40, 50, Input.cas("k", "a", "c"), new Output(true, null)));
        assertFalse(Linearizability.check(MODEL, bad).linearizable());
    }

    @Test
    void partitionsAreCheckedPerKeyAndTheFailingKeyIsNamed()
    {
        final List<Operation<Input, Output>> h = List.of(
            op(0, 0, 10, Input.write("a", "1"), OK),
            op(0, 0, 10, Input.write("b", "1"), OK),
            op(1, 20, 30, Input.read("a"), read("1")),
            op(1, 20, 30, Input.read("b"), read(null)));
        final Linearizability.Result r = Linearizability.checkPartitioned(MODEL, h, Input::key);
        assertFalse(r.linearizable());
        assertTrue("b".equals(r.partition()), r.partition());
    }

    /**
     * A simulated linearizable register (each operation takes effect at a random instant inside its interval) must
     * always pass.
     */
    @Test
    void randomLinearizableHistoriesPass()
    {
        final long seed = System.nanoTime();
        System.out.println("LinearizabilityTest seed " + seed);
        final Random random = new Random(seed);
        for (int round = 0; round < 50; round++)
        {
            final int clients = 4;
            final List<Operation<Input, Output>> h = new ArrayList<>();
            final long[] free = new long[clients];
            // Operations take effect at distinct instants t; each interval is [t - d1, t + d2] and a client's
            // intervals do not overlap.
            String value = null;
            long t = 1_000;
            for (int i = 0; i < 60; i++)
            {
                t += 1 + random.nextInt(20);
                final int c = random.nextInt(clients);
                final long call = Math.max(free[c], t - random.nextInt(30));
                final long ret = t + random.nextInt(30);
                free[c] = ret + 1;
                if (random.nextBoolean())
                {
                    value = "v" + i;
                    h.add(op(c, Math.min(call, t), ret, Input.write("k", value), OK));
                }
                else
                {
                    h.add(op(c, Math.min(call, t), ret, Input.read("k"), read(value)));
                }
            }
            assertTrue(Linearizability.check(MODEL, h).linearizable(), "seed " + seed + " round " + round);
        }
    }
}
