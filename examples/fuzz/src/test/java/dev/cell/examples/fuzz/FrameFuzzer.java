package dev.cell.examples.fuzz;

import dev.cell.ledger.Ledger;
import dev.cell.ledger.Stateful;
import dev.cell.runtime.CellException;
import dev.cell.runtime.Command;
import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.genome.FrameShape;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.genome.GenomeCodec;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.Dispatcher;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;

/**
 * Drives every handler of every example cell (found through their {@link CellBinding}s) with mutated valid frames:
 * each frame goes through the cell's {@link FrameCheck}; an accepted request is dispatched in-process through the
 * cell's generated {@link Dispatcher} (kv against a real ledger in a temp folder, commands inside begin/commit), an
 * accepted result or error is decoded by the genome's JSON codec. A failure is an accepted frame whose decoding threw
 * (anything not raised inside the cell's own code), allocated far more than the frame holds, or a valid frame the
 * check refused.
 */
final class FrameFuzzer implements AutoCloseable
{
    /** Bytes a handler may allocate beyond {@link #ALLOC_PER_BYTE} × the frame's length (its own work). */
    static final long ALLOC_SLACK = 4L << 20;
    /**
     * The slack of handlers whose own work grows with the state the run builds (kv's scan, journal watch and state
     * hash read up to 10,000 entries): their allocations say nothing about decoding.
     */
    static final long STATE_READER_SLACK = 256L << 20;
    static final Set<String> STATE_READERS = Set.of("kv.scan", "kv.changes", "kv.status");
    static final long ALLOC_PER_BYTE = 64;
    private static final int BASES_PER_MESSAGE = 12;
    private static final int MAX_FAILURES = 20;

    private final List<Cell> cells = new ArrayList<>();
    private final List<Choice> choices = new ArrayList<>();
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(1 << 16);
    private final UnsafeBuffer work = new UnsafeBuffer(new byte[1 << 16]);
    private long kvIndex;

    /** One example cell under test. */
    static final class Cell
    {
        final String name;
        final Genome genome;
        final FrameShape shape;
        final FrameCheck check;
        final Object instance;
        final Dispatcher dispatcher;
        final Set<String> commands = new HashSet<>();
        final Map<Integer, String> requestTemplates = new LinkedHashMap<>();
        final String cellClass;
        final String cellPackage;
        final Ledger ledger;

        Cell(final CellBinding<Object> binding, final FrameCheck check, final Path stateDir)
        {
            this.name = binding.cellName();
            this.genome = binding.genome();
            this.shape = FrameShape.of(genome);
            this.check = check;
            this.instance = binding.newCell();
            this.dispatcher = binding.dispatcher(instance);
            this.cellClass = instance.getClass().getName();
            this.cellPackage = instance.getClass().getPackageName();
            for (final Genome.Handler h : genome.handlers())
            {
                requestTemplates.put(h.requestTemplateId(), h.name());
            }
            for (final Method m : instance.getClass().getMethods())
            {
                if (m.isAnnotationPresent(Command.class))
                {
                    commands.add(m.getName());
                }
            }
            if (instance instanceof Stateful stateful)
            {
                ledger = Ledger.open(stateDir.resolve(name));
                stateful.attach(ledger.state(), ledger.journal());
            }
            else
            {
                ledger = null;
            }
        }
    }

    /** One kind of base frame: a handler's request or a reply message, with valid encodings of it. */
    record Choice(Cell cell, String handler, String message, List<byte[]> frames, List<List<int[]>> targets)
    {
    }

    /** What a run saw. */
    static final class Stats
    {
        long frames;
        long mutated;
        long accepted;
        long refused;
        long reachedDecoding;
        long handlerReturned;
        long declaredErrors;
        long handlerThrew;
        long repliesDecoded;
        long failureCount;
        final List<String> failures = new ArrayList<>();
        final Map<String, Long> decodedPerHandler = new LinkedHashMap<>();
        final Map<String, Long> failuresPerCell = new LinkedHashMap<>();

        @Override
        public String toString()
        {
            return frames + " frames (" + mutated + " mutated): " + refused + " refused by FrameCheck, " + accepted +
                " accepted; " + reachedDecoding + " requests reached field decoding in a dispatcher (" +
                handlerReturned + " results, " + declaredErrors + " declared errors, " + handlerThrew +
                " thrown by the cells' own code), " + repliesDecoded + " results/errors decoded by the JSON codec; " +
                failureCount + " failures" + (failuresPerCell.isEmpty() ? "" : " " + failuresPerCell);
        }
    }

    /**
     * @param stateDir where stateful cells keep their ledgers.
     * @param seed     seed of the base frames.
     * @param checks   the check per cell (normally {@link FrameCheck#of}; a test may plant a weaker one).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    FrameFuzzer(final Path stateDir, final long seed, final Function<Genome, FrameCheck> checks)
    {
        final Random random = new Random(seed);
        for (final CellBinding binding : ServiceLoader.load(CellBinding.class))
        {
            final Cell cell = new Cell(binding, checks.apply(binding.genome()), stateDir);
            cells.add(cell);
            for (final Genome.Handler h : cell.genome.handlers())
            {
                // Requests weigh three times a reply: they are what reaches the cells' own decoders.
                final Choice request = choice(cell, h.name(), h.requestMessage(), random);
                choices.add(request);
                choices.add(request);
                choices.add(request);
            }
            final List<String> replies = new ArrayList<>();
            cell.genome.handlers().forEach(h -> replies.add(h.responseMessage()));
            cell.genome.errors().forEach(e -> replies.add(e.name()));
            for (final String reply : replies)
            {
                choices.add(choice(cell, null, reply, random));
            }
        }
    }

    private Choice choice(final Cell cell, final String handler, final String message, final Random random)
    {
        final List<byte[]> frames = new ArrayList<>();
        final List<List<int[]>> targets = new ArrayList<>();
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(256);
        for (int i = 0; i < BASES_PER_MESSAGE; i++)
        {
            final int length = cell.shape.codec().encode(message, cell.shape.randomMessage(message, random), b, 0);
            final byte[] frame = new byte[length];
            b.getBytes(0, frame);
            frames.add(frame);
            targets.add(cell.shape.targets(new UnsafeBuffer(frame), 0, length));
        }
        return new Choice(cell, handler, message, frames, targets);
    }

    List<Cell> cells()
    {
        return cells;
    }

    /**
     * @param seed      seed of the mutations.
     * @param frames    how many frames.
     * @param stopFirst stop at the first failure.
     * @return what the run saw.
     */
    Stats run(final long seed, final long frames, final boolean stopFirst)
    {
        final Random random = new Random(seed);
        final Stats stats = new Stats();
        for (long i = 0; i < frames && !(stopFirst && stats.failureCount > 0); i++)
        {
            final Mutant m = next(random, false);
            final Choice choice = m.choice;
            final int length = m.length;
            final boolean mutate = m.mutated;
            if (mutate)
            {
                stats.mutated++;
            }
            stats.frames++;
            final Cell cell = choice.cell;
            if (!cell.check.check(work, 0, length))
            {
                stats.refused++;
                if (!mutate)
                {
                    fail(stats, cell, i, "a valid " + choice.message + " was refused: " + cell.check.problem());
                }
                continue;
            }
            stats.accepted++;
            final String handler = cell.requestTemplates.get(cell.check.templateId());
            if (handler != null)
            {
                stats.reachedDecoding++;
                stats.decodedPerHandler.merge(cell.name + "." + handler, 1L, Long::sum);
                dispatch(stats, cell, handler, i, length);
            }
            else
            {
                decodeReply(stats, cell, i, length);
            }
        }
        return stats;
    }

    /**
     * A frame made by {@link #next}: it lies in {@link #frame()} from offset 0.
     *
     * @param choice  what it was made from.
     * @param length  its length.
     * @param mutated false for an untouched valid frame.
     */
    record Mutant(Choice choice, int length, boolean mutated)
    {
        Cell cell()
        {
            return choice.cell;
        }

        String handler()
        {
            return choice.handler;
        }
    }

    /**
     * @param random       randomness.
     * @param requestsOnly only requests of handlers (no results or errors).
     * @return the next frame: a valid one (1 in 20) or a valid one mutated once to three times.
     */
    Mutant next(final Random random, final boolean requestsOnly)
    {
        Choice choice = choices.get(random.nextInt(choices.size()));
        while (requestsOnly && choice.handler == null)
        {
            choice = choices.get(random.nextInt(choices.size()));
        }
        final int base = random.nextInt(choice.frames.size());
        final byte[] frame = choice.frames.get(base);
        work.putBytes(0, frame);
        int length = frame.length;
        final boolean mutate = random.nextInt(20) != 0;
        if (mutate)
        {
            final int n = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1;
            for (int j = 0; j < n; j++)
            {
                length = mutate(choice, choice.targets.get(base), length, random);
            }
        }
        return new Mutant(choice, length, mutate);
    }

    /**
     * @return where {@link #next} writes its frames.
     */
    UnsafeBuffer frame()
    {
        return work;
    }

    /**
     * @param cell    a cell.
     * @param handler one of its handlers.
     * @param index   which of its valid base frames.
     * @return a copy of that valid request frame.
     */
    byte[] validRequest(final Cell cell, final String handler, final int index)
    {
        for (final Choice c : choices)
        {
            if (c.cell == cell && handler.equals(c.handler))
            {
                return c.frames.get(Math.floorMod(index, c.frames.size())).clone();
            }
        }
        throw new IllegalArgumentException("no handler " + cell.name + "." + handler);
    }

    /**
     * Dispatch a valid frame (no mutation) of one handler.
     *
     * @return null when it was decoded and the handler answered (result, declared error or its own exception);
     * otherwise the failure.
     */
    String callOnce(final Cell cell, final String handler, final long seed)
    {
        final Stats stats = new Stats();
        for (final Choice c : choices)
        {
            if (c.cell == cell && handler.equals(c.handler))
            {
                final byte[] frame = c.frames.get((int)Math.floorMod(seed, (long)c.frames.size()));
                work.putBytes(0, frame);
                if (!cell.check.check(work, 0, frame.length))
                {
                    return "refused: " + cell.check.problem();
                }
                dispatch(stats, cell, handler, -1, frame.length);
                return stats.failures.isEmpty() ? null : stats.failures.getFirst();
            }
        }
        return "no such handler";
    }

    /**
     * Dispatch a request given as JSON and decode the reply with the JSON codec.
     */
    GenomeCodec.Decoded call(final Cell cell, final String handler, final Map<String, Object> json)
    {
        final GenomeCodec codec = cell.shape.codec();
        final int length = codec.encodeRequest(handler, json, work, 0);
        if (!cell.check.check(work, 0, length))
        {
            throw new AssertionError("refused: " + cell.check.problem());
        }
        final boolean command = cell.ledger != null && cell.commands.contains(handler);
        if (command)
        {
            cell.ledger.begin(++kvIndex, 1);
        }
        final int result = cell.dispatcher.dispatch(work, 0, length, out, 0);
        if (command)
        {
            cell.ledger.commit(journalEntry(length));
        }
        return codec.decode(out, 0, Math.abs(result));
    }

    private void dispatch(final Stats stats, final Cell cell, final String handler, final long frame,
        final int length)
    {
        final boolean command = cell.ledger != null && cell.commands.contains(handler);
        if (command)
        {
            cell.ledger.begin(++kvIndex, 1);
        }
        boolean wrote = false;
        final long before = threads.getCurrentThreadAllocatedBytes();
        try
        {
            final int result = cell.dispatcher.dispatch(work, 0, length, out, 0);
            if (result >= 0)
            {
                stats.handlerReturned++;
                wrote = true;
            }
            else
            {
                stats.declaredErrors++;
            }
        }
        catch (final Throwable t)
        {
            if (t instanceof VirtualMachineError || !(t instanceof CellException) && !raisedByCell(cell, t))
            {
                fail(stats, cell, frame, "handler '" + handler + "': decoding an accepted frame of " + length +
                    " bytes threw " + t + at(t));
            }
            else
            {
                stats.handlerThrew++;
            }
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        final long slack = STATE_READERS.contains(cell.name + "." + handler) ? STATE_READER_SLACK : ALLOC_SLACK;
        if (allocated > ALLOC_PER_BYTE * length + slack)
        {
            fail(stats, cell, frame, "handler '" + handler + "': an accepted frame of " + length + " bytes made " +
                "the dispatcher allocate " + allocated + " bytes");
        }
        if (command)
        {
            if (wrote)
            {
                cell.ledger.commit(journalEntry(length));
            }
            else
            {
                cell.ledger.commitWithoutWrites(journalEntry(length));
            }
        }
    }

    private ByteBuffer journalEntry(final int length)
    {
        final ByteBuffer entry = ByteBuffer.allocate(Stateful.COMMAND_OFFSET + length).order(ByteOrder.LITTLE_ENDIAN);
        work.getBytes(0, entry, Stateful.COMMAND_OFFSET, length);
        return entry;
    }

    private void decodeReply(final Stats stats, final Cell cell, final long frame, final int length)
    {
        try
        {
            cell.shape.codec().decode(work, 0, length);
            stats.repliesDecoded++;
        }
        catch (final Throwable t)
        {
            fail(stats, cell, frame, "the JSON codec could not decode an accepted " + cell.check.messageName() +
                " of " + length + " bytes: " + t + at(t));
        }
    }

    /**
     * @return true when the throwable was raised inside the cell's own code (its handler or its records), not in
     * the generated dispatcher, mapping or SBE codecs. (A {@link CellException}, which carries no stack trace, is a
     * call the handler made to another cell.)
     */
    private static boolean raisedByCell(final Cell cell, final Throwable t)
    {
        for (final StackTraceElement e : t.getStackTrace())
        {
            final String c = e.getClassName();
            final int dot = c.lastIndexOf('.');
            final String pkg = dot < 0 ? "" : c.substring(0, dot);
            if (!pkg.equals(cell.cellPackage))
            {
                continue;
            }
            final String simple = c.substring(dot + 1);
            if (!simple.endsWith("Dispatcher") && !simple.endsWith("Mapping") && !simple.endsWith("Binding"))
            {
                return true;
            }
        }
        return false;
    }

    private static String at(final Throwable t)
    {
        final StackTraceElement[] trace = t.getStackTrace();
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(4, trace.length); i++)
        {
            sb.append("\n    at ").append(trace[i]);
        }
        return sb.toString();
    }

    private static void fail(final Stats stats, final Cell cell, final long frame, final String what)
    {
        stats.failureCount++;
        stats.failuresPerCell.merge(cell.name, 1L, Long::sum);
        if (stats.failures.size() < MAX_FAILURES)
        {
            stats.failures.add("cell '" + cell.name + "' frame " + frame + ": " + what);
        }
    }

    private int mutate(final Choice choice, final List<int[]> targets, final int length, final Random random)
    {
        final int kind = random.nextInt(FrameShape.KINDS + 5);
        if (kind < FrameShape.KINDS)
        {
            final List<int[]> of = new ArrayList<>();
            for (final int[] t : targets)
            {
                if (t[0] == kind && t[1] + t[2] <= length)
                {
                    of.add(t);
                }
            }
            if (!of.isEmpty())
            {
                lie(choice, of.get(random.nextInt(of.size())), random);
                return length;
            }
        }
        return switch (kind - FrameShape.KINDS)
        {
            case 0 -> random.nextInt(length + 1);
            case 1 ->
            {
                final int extra = 1 + random.nextInt(64);
                for (int i = 0; i < extra; i++)
                {
                    work.putByte(length + i, (byte)random.nextInt());
                }
                yield length + extra;
            }
            case 2 ->
            {
                if (length >= 4)
                {
                    work.putInt(random.nextInt(length - 3), lieLength(random, length), ByteOrder.LITTLE_ENDIAN);
                }
                yield length;
            }
            case 3 ->
            {
                if (length > 0)
                {
                    final int at = random.nextInt(length);
                    work.putByte(at, (byte)(work.getByte(at) ^ (1 << random.nextInt(8))));
                }
                yield length;
            }
            default ->
            {
                for (int n = 1 + random.nextInt(4); n > 0 && length > 0; n--)
                {
                    work.putByte(random.nextInt(length), (byte)random.nextInt());
                }
                yield length;
            }
        };
    }

    private void lie(final Choice choice, final int[] target, final Random random)
    {
        final int at = target[1];
        final int size = target[2];
        final long current = size == 2 ? work.getShort(at, ByteOrder.LITTLE_ENDIAN) & 0xFFFF :
            size == 4 ? work.getInt(at, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL : work.getByte(at) & 0xFF;
        final long value = switch (target[0])
        {
            case FrameShape.VAR_LENGTH -> switch (random.nextInt(10))
            {
                case 0 -> 0x7FFF_FFFFL;
                case 1 -> 0xFFFF_FFFFL;
                case 2 -> 200L << 20;
                case 3 -> target[3] + 1L;
                case 4 -> target[3] + 1L + random.nextInt(64);
                case 5 -> 1L << 30;
                case 6 -> (1L << 30) + 1;
                case 7 -> Math.max(0, current - 1 - random.nextInt(4));
                case 8 -> random.nextInt() & 0xFFFF_FFFFL;
                default -> current + 1;
            };
            case FrameShape.GROUP_COUNT -> switch (random.nextInt(6))
            {
                case 0 -> 0xFFFF;
                case 1 -> 0xFFFE;
                case 2 -> current + 1;
                case 3 -> Math.max(0, current - 1);
                case 4 -> 0;
                default -> random.nextInt(0x10000);
            };
            case FrameShape.GROUP_BLOCK_LENGTH, FrameShape.HEADER_BLOCK_LENGTH -> switch (random.nextInt(6))
            {
                case 0 -> 0;
                case 1 -> Math.max(0, current - 1);
                case 2 -> current + 1;
                case 3 -> 0xFFFF;
                case 4 -> random.nextInt(64);
                default -> random.nextInt(0x10000);
            };
            case FrameShape.TEMPLATE_ID ->
            {
                final int[] ids = choice.cell.shape.templateIds();
                yield random.nextInt(4) == 0 ? random.nextInt(0x10000) : ids[random.nextInt(ids.length)];
            }
            case FrameShape.SCHEMA_ID -> random.nextBoolean() ? random.nextInt(0x10000) :
                cells.get(random.nextInt(cells.size())).genome.schemaId();
            case FrameShape.VERSION -> switch (random.nextInt(3))
            {
                case 0 -> 0;
                case 1 -> choice.cell.genome.schemaVersion() + 1;
                default -> random.nextInt(0x10000);
            };
            default -> random.nextInt(1 << (8 * Math.min(size, 3)));
        };
        switch (size)
        {
            case 1 -> work.putByte(at, (byte)value);
            case 2 -> work.putShort(at, (short)value, ByteOrder.LITTLE_ENDIAN);
            case 4 -> work.putInt(at, (int)value, ByteOrder.LITTLE_ENDIAN);
            default -> work.putLong(at, value, ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static int lieLength(final Random random, final int length)
    {
        return switch (random.nextInt(4))
        {
            case 0 -> 0x7FFF_FFFF;
            case 1 -> 200 << 20;
            case 2 -> length + random.nextInt(64);
            default -> random.nextInt();
        };
    }

    @Override
    public void close()
    {
        for (final Cell cell : cells)
        {
            if (cell.ledger != null)
            {
                cell.ledger.close();
            }
        }
    }
}
