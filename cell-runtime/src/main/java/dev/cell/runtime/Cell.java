package dev.cell.runtime;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class as a cell: a service whose public instance methods are its handlers.
 * <p>
 * Each handler takes records (or primitives, enums, strings, {@code byte[]}, nested records, lists of records) and
 * returns a record (or {@code void}); the {@link CellError} subclasses it declares in {@code throws} are its typed
 * errors. The annotation processor in {@code cell-compiler} derives the cell's SBE schema and genome from these
 * types, and generates the codecs, a reflection-free dispatcher and a typed client ({@code <Name>Client}).
 * <pre>{@code
 * @Cell("exchange")
 * public final class Exchange
 * {
 *     public OrderAck placeOrder(final NewOrder order) throws UnknownSymbol, OrderRejected { ... }
 * }
 * }</pre>
 * The class needs a public no-argument constructor. It may implement {@link CellLifecycle}.
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Cell
{
    /**
     * The cell's name, as consumers and the {@code cell} command refer to it: lower case letters, digits and '-'.
     *
     * @return the cell's name.
     */
    String value();

    /**
     * Semantic version of the cell's contract. The major version is part of the fingerprint.
     *
     * @return the version, {@code "1.0.0"} by default.
     */
    String version() default "1.0.0";

    /**
     * A stateful cell runs as a group of replicas that agree on every {@link Command} through a replicated log
     * (module {@code cell-raft} must be on the class path); its state lives under each replica's folder in
     * {@code <cellDir>/.cell/replicas/}. {@code [state] replicas = N} in {@code cell.toml} says the same and sets the
     * group size (default 3).
     *
     * @return true for a stateful cell.
     */
    boolean stateful() default false;
}
