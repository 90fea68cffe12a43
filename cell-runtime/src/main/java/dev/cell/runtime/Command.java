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
 * Every call carries its client's session and a sequence number (see {@code dev.cell.runtime.client.ClientSession}):
 * a command whose (session, sequence) was applied is not applied again, its first reply is returned. This is what
 * makes a write that was acknowledged, and retried by a client that did not see the acknowledgement, apply exactly
 * once — also when the retry reaches another replica. The request needs no id of its own; an application-level
 * idempotency key remains possible as an ordinary field the handler checks against its state.
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Command
{
}
