package dev.cell.raft.check;

import java.util.Objects;

/**
 * A key-value register: writes set a value (or delete it), reads return the current one, compare-and-set writes only
 * when the current value is the expected one. Values are compared with {@link Objects#equals}; null is absent.
 *
 * @since 0.1
 */
public final class RegisterModel implements Model<RegisterModel.State, RegisterModel.Input, RegisterModel.Output>
{
    /**
     * The register's state.
     *
     * @param value the current value, null when absent.
     */
    public record State(String value)
    {
    }

    /**
     * Operation kinds.
     */
    public enum Kind
    {
        /** Set a value (null: delete). */
        WRITE,
        /** Read the value. */
        READ,
        /** Set {@code value} if the current value is {@code expected}. */
        CAS
    }

    /**
     * An operation's input.
     *
     * @param key      the key (the partition).
     * @param kind     what it does.
     * @param value    the value written (WRITE, CAS).
     * @param expected the value a CAS expects.
     */
    public record Input(String key, Kind kind, String value, String expected)
    {
        /**
         * @param key   key.
         * @param value value (null: delete).
         * @return a write.
         */
        public static Input write(final String key, final String value)
        {
            return new Input(key, Kind.WRITE, value, null);
        }

        /**
         * @param key key.
         * @return a read.
         */
        public static Input read(final String key)
        {
            return new Input(key, Kind.READ, null, null);
        }

        /**
         * @param key      key.
         * @param expected expected value.
         * @param value    new value.
         * @return a compare-and-set.
         */
        public static Input cas(final String key, final String expected, final String value)
        {
            return new Input(key, Kind.CAS, value, expected);
        }
    }

    /**
     * An operation's output.
     *
     * @param ok    for a CAS: whether it swapped; true otherwise.
     * @param value for a read: the value read (null: absent).
     */
    public record Output(boolean ok, String value)
    {
    }

    @Override
    public State initial()
    {
        return new State(null);
    }

    @Override
    public State step(final State state, final Input input, final Output output)
    {
        return switch (input.kind())
        {
            case WRITE -> new State(input.value());
            case READ -> output == null || Objects.equals(output.value(), state.value()) ? state : null;
            case CAS ->
            {
                final boolean matches = Objects.equals(state.value(), input.expected());
                if (output == null)
                {
                    yield matches ? new State(input.value()) : state;
                }
                if (output.ok() != matches)
                {
                    yield null;
                }
                yield matches ? new State(input.value()) : state;
            }
        };
    }
}
