package dev.cell.runtime;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a handler of a stateful cell ({@code @Cell(stateful = true)}) as a command: its request goes through the
 * replicated log and the handler runs on every replica, in log order. Handlers of a stateful cell without
 * {@code @Command} or {@link Query} are commands. A command must be deterministic: it may read and write the cell's
 * state, and must not read clocks, random numbers or anything outside its request and the state.
 * <p>
 * {@link #requestId()} names an {@code long} field of the request that the caller sets to a value unique per logical
 * write (for example a random client id in the high bits and a sequence number in the low ones). A command whose
 * request id was applied before is not applied again: its first reply is returned. This is what makes a write that
 * was acknowledged, and retried by a client that did not see the acknowledgement, apply exactly once — also when the
 * retry reaches another replica. Requests with request id 0 are not deduplicated.
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Command
{
    /**
     * @return the name of an {@code long} field of the request message carrying the caller's request id, or "" for
     * none (retries are then deduplicated only within one replica's forwarding client).
     */
    String requestId() default "";
}
