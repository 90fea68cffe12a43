package dev.cell.examples.fuzz;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientSession;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.genome.Genome;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The other direction: mutated results and declared errors, as a lying instance could send them, reach each example
 * cell's generated client. A reply the cell's {@link FrameCheck} accepts must decode through the client into its
 * result, its declared error or a {@link CellException}; never an exception from the codecs, never an allocation
 * the frame does not justify. Bytes after the reply's length are poisoned (0xFF) so that a decoder reading past it
 * meets lengths and counts that fail loudly.
 */
class ReplyFuzzTest
{
    private static final byte[] POISON = new byte[4096];

    static
    {
        Arrays.fill(POISON, (byte)0xFF);
    }

    /**
     * Answers every call with the reply the test put in.
     */
    private static final class CannedConnection implements CellConnection
    {
        private final Genome genome;
        private byte[] reply;
        private boolean error;

        CannedConnection(final Genome genome)
        {
            this.genome = genome;
        }

        @Override
        public String cell()
        {
            return genome.cell();
        }

        @Override
        public String instanceId()
        {
            return "canned";
        }

        @Override
        public long remoteFingerprint()
        {
            return genome.fingerprintValue();
        }

        @Override
        public Genome genome()
        {
            return genome;
        }

        @Override
        public ClientSession session()
        {
            return null;
        }

        @Override
        public void call(final DirectBuffer request, final int offset, final int length, final Reply into)
        {
            into.set(new UnsafeBuffer(POISON), 0, POISON.length, false);
            into.set(new UnsafeBuffer(reply), 0, reply.length, error);
        }

        @Override
        public CompletableFuture<Reply> callAsync(final DirectBuffer request, final int offset, final int length)
        {
            final Reply r = new Reply();
            call(request, offset, length, r);
            return CompletableFuture.completedFuture(r);
        }

        @Override
        public boolean isOpen()
        {
            return true;
        }

        @Override
        public void close()
        {
        }
    }

    @Test
    @Timeout(900)
    void clientsDecodeEveryAcceptedReplySafely() throws Exception
    {
        final String s = System.getProperty("cell.fuzz.seed", "");
        final long seed = s.isBlank() ? System.nanoTime() : Long.parseLong(s.trim());
        final long frames = Math.max(10_000, Long.getLong("cell.fuzz.frames", 100_000) / 2);
        System.out.println("ReplyFuzzTest: seed " + seed + ", " + frames + " reply frames");
        final Base base = new Base();
        final List<String> failures = new ArrayList<>();
        long accepted = 0;
        long results = 0;
        long typed = 0;
        try (FrameFuzzer fuzzer = new FrameFuzzer(folder(), seed, FrameCheck::of))
        {
            final Map<FrameFuzzer.Cell, Client> clients = new HashMap<>();
            for (final FrameFuzzer.Cell cell : fuzzer.cells())
            {
                clients.put(cell, new Client(cell, base));
            }
            final Random random = new Random(seed);
            for (long i = 0; i < frames; i++)
            {
                FrameFuzzer.Mutant m = fuzzer.next(random, false);
                while (m.handler() != null)
                {
                    m = fuzzer.next(random, false);
                }
                final FrameFuzzer.Cell cell = m.cell();
                final UnsafeBuffer frame = fuzzer.frame();
                if (!cell.check.check(frame, 0, m.length()))
                {
                    continue;
                }
                accepted++;
                final Client client = clients.get(cell);
                final String message = m.choice().message();
                final String handler = client.handlerOf(message);
                client.connection.reply = new byte[m.length()];
                frame.getBytes(0, client.connection.reply);
                client.connection.error = cell.genome.errors().stream().anyMatch(e -> e.name().equals(message));
                try
                {
                    client.call(handler);
                    results++;
                }
                catch (final InvocationTargetException ex)
                {
                    final Throwable t = ex.getCause();
                    if (t instanceof CellException || client.declares(handler, t))
                    {
                        typed++;
                    }
                    else if (failures.size() < 20)
                    {
                        failures.add("seed " + seed + " frame " + i + ": " + cell.name + "." + handler + " given an " +
                            "accepted " + message + " of " + m.length() + " bytes threw " + t +
                            (t.getStackTrace().length > 0 ? " at " + t.getStackTrace()[0] : ""));
                    }
                }
            }
        }
        System.out.println("ReplyFuzzTest: " + accepted + " accepted replies: " + results + " results, " + typed +
            " declared errors or CellExceptions, " + failures.size() + " failures");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(accepted > frames / 10, "only " + accepted + " replies were accepted");
    }

    private static Path folder() throws IOException
    {
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, "reply");
    }

    /**
     * A cell's generated client over a canned connection, and a valid argument per handler.
     */
    private static final class Client
    {
        final CannedConnection connection;
        final Object client;
        final Map<String, Method> methods = new HashMap<>();
        final Map<String, Object[]> args = new HashMap<>();
        final Map<String, String> handlerOfMessage = new HashMap<>();

        Client(final FrameFuzzer.Cell cell, final Base base) throws ReflectiveOperationException
        {
            connection = new CannedConnection(cell.genome);
            final Class<?> type = Class.forName(cell.cellClass + "Client");
            client = type.getConstructor(CellConnection.class).newInstance(connection);
            for (final Genome.Handler h : cell.genome.handlers())
            {
                for (final Method m : type.getMethods())
                {
                    if (m.getName().equals(h.name()) && m.getParameterCount() <= 1)
                    {
                        methods.put(h.name(), m);
                        args.put(h.name(), m.getParameterCount() == 0 ? new Object[0] :
                            new Object[] {base.value(m.getParameterTypes()[0])});
                    }
                }
                if (!methods.containsKey(h.name()))
                {
                    throw new AssertionError(type.getName() + " has no method " + h.name());
                }
                handlerOfMessage.put(h.responseMessage(), h.name());
                for (final String e : h.errors())
                {
                    handlerOfMessage.putIfAbsent(e, h.name());
                }
            }
        }

        String handlerOf(final String message)
        {
            return handlerOfMessage.getOrDefault(message, methods.keySet().iterator().next());
        }

        void call(final String handler) throws InvocationTargetException, IllegalAccessException
        {
            methods.get(handler).invoke(client, args.get(handler));
        }

        boolean declares(final String handler, final Throwable t)
        {
            for (final Class<?> e : methods.get(handler).getExceptionTypes())
            {
                if (e.isInstance(t) && e != RuntimeException.class && e != Exception.class && e != Throwable.class)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Plain values of any wire type: zeros, empty strings and lists, first enum constants, records of those.
     */
    private static final class Base
    {
        Object value(final Class<?> type) throws ReflectiveOperationException
        {
            if (type == boolean.class)
            {
                return false;
            }
            if (type == char.class)
            {
                return 'a';
            }
            if (type == byte.class)
            {
                return (byte)1;
            }
            if (type == short.class)
            {
                return (short)1;
            }
            if (type == int.class)
            {
                return 1;
            }
            if (type == long.class)
            {
                return 1L;
            }
            if (type == float.class)
            {
                return 1f;
            }
            if (type == double.class)
            {
                return 1d;
            }
            if (type == String.class)
            {
                return "apple";
            }
            if (type == byte[].class)
            {
                return new byte[] {1};
            }
            if (List.class.isAssignableFrom(type))
            {
                return List.of();
            }
            if (type.isEnum())
            {
                return type.getEnumConstants()[0];
            }
            if (type.isRecord())
            {
                final RecordComponent[] components = type.getRecordComponents();
                final Class<?>[] types = new Class<?>[components.length];
                final Object[] values = new Object[components.length];
                for (int i = 0; i < components.length; i++)
                {
                    types[i] = components[i].getType();
                    values[i] = value(types[i]);
                }
                final Constructor<?> c = type.getDeclaredConstructor(types);
                c.setAccessible(true);
                return c.newInstance(values);
            }
            throw new IllegalArgumentException("no plain value for " + type.getName());
        }
    }
}
