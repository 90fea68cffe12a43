package dev.cell.runtime;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a handler whose request may be delivered more than once with the same effect as once: a lookup, a pure
 * computation, a write keyed by a field of the request. A client that races instances may then send such a call to a
 * second instance when the first is slow to answer (hedging, when the dependency asks for it) and repeat it on another
 * instance when the first failed after the request left. A call to a handler without it is sent to one instance and
 * is repeated elsewhere only when it certainly never reached the first. A {@link Query} is idempotent without it.
 * <p>
 * The mark is recorded in the genome and is not part of any fingerprint: adding or removing it changes no consumer's
 * build, only how clients built from then on treat the handler.
 *
 * @since 0.3
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Idempotent
{
}
