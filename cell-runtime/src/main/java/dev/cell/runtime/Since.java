package dev.cell.runtime;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component as an optional field added to a cell's contract at a later schema version, by SBE's
 * evolution rules: it is appended at the end of its message (after the fields that were there before), a peer built
 * before it neither sends nor reads it, and the handlers it belongs to keep serving consumers built against the
 * earlier shape (their earlier handler fingerprints stay accepted).
 * <pre>{@code
 * public record Quote(String ticker, long bid, long ask, @Since(1) long volume) {}
 * }</pre>
 * Allowed on {@code byte}, {@code short}, {@code int}, {@code long}, {@code float}, {@code double}, {@code String}
 * and {@code byte[]} components. When the peer is older, the value reads as SBE's null value for the type
 * ({@code Long.MIN_VALUE} for a {@code long}, {@code NaN} for a {@code double}...) and as {@code ""} or an empty
 * array for text and bytes. The versions of a message's optional fields never decrease from one field to the next.
 *
 * @since 0.2
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.RECORD_COMPONENT)
public @interface Since
{
    /**
     * The schema version that added the field: 1 for the first addition, 2 for the next...
     *
     * @return the version, at least 1.
     */
    int value();
}
