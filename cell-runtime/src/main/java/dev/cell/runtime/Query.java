package dev.cell.runtime;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a handler of a stateful cell as a query: it only reads the state and is not written to the replicated log.
 * Queries are linearizable by default: the replica that answers first learns the leader's commit index (a read
 * index) and waits until it applied that far, so a query sees every write acknowledged before it started.
 * {@code stale = true} answers from the replica's local state at once: faster, but it may miss recent writes.
 * A query must not write the state.
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Query
{
    /**
     * @return true to answer from local state without a read index (may be stale).
     */
    boolean stale() default false;
}
