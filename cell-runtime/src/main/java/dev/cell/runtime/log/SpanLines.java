package dev.cell.runtime.log;

import dev.cell.runtime.genome.Json;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.IdentityHashMap;

/**
 * Span lines of one instance's {@link JsonLinesLog}, formatted into a reused byte buffer without allocating: the
 * same JSON object {@link JsonLinesLog#format} writes for event {@code span} (fields {@code handler},
 * {@code parentSpanId}, {@code start}, {@code durationUs}, {@code outcome}), with {@code ts} in milliseconds and
 * {@code start} in nanoseconds. Lines accumulate until {@link #drainTo} hands them to the log in one write.
 * <p>
 * Handler and outcome names are escaped once and kept by identity (they are the genome's and the recorder's
 * constants); a name not seen before costs one allocation. <b>Note:</b> one thread (the span writer).
 */
public final class SpanLines
{
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_NAMES = 4096;

    private final byte[] head;
    private final IdentityHashMap<String, byte[]> names = new IdentityHashMap<>();
    private byte[] buffer = new byte[16 * 1024];
    private int length;

    /**
     * @param cell     the cell's name.
     * @param instance the instance id.
     */
    public SpanLines(final String cell, final String instance)
    {
        this.head = ("\",\"level\":\"INFO\",\"cell\":" + Json.write(cell) + ",\"instance\":" + Json.write(instance) +
            ",\"event\":\"span\",\"traceId\":").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Append one span line (with its newline).
     *
     * @param nowMs        the line's timestamp, epoch milliseconds.
     * @param traceIdHigh  trace id, first 8 bytes.
     * @param traceIdLow   trace id, last 8 bytes.
     * @param spanId       the span.
     * @param parentSpanId its parent, 0 for a root.
     * @param handler      the handler's name.
     * @param startEpochNs when it started.
     * @param durationNs   how long it took.
     * @param outcome      the outcome's name.
     */
    public void append(
        final long nowMs,
        final long traceIdHigh,
        final long traceIdLow,
        final long spanId,
        final long parentSpanId,
        final String handler,
        final long startEpochNs,
        final long durationNs,
        final String outcome)
    {
        final byte[] handlerJson = json(handler);
        final byte[] outcomeJson = json(outcome);
        ensure(head.length + handlerJson.length + outcomeJson.length + 256);
        ascii("{\"ts\":\"");
        timestamp(Math.floorDiv(nowMs, 1000L), (int)Math.floorMod(nowMs, 1000L) * 1_000_000, 3);
        bytes(head);
        final boolean traced = (traceIdHigh | traceIdLow) != 0;
        if (traced)
        {
            buffer[length++] = '"';
            hex(traceIdHigh);
            hex(traceIdLow);
            buffer[length++] = '"';
        }
        else
        {
            ascii("null");
        }
        ascii(",\"spanId\":");
        quotedHexOrNull(traced ? spanId : 0);
        ascii(",\"fields\":{\"handler\":");
        bytes(handlerJson);
        ascii(",\"parentSpanId\":");
        quotedHexOrNull(parentSpanId);
        ascii(",\"start\":\"");
        timestamp(Math.floorDiv(startEpochNs, 1_000_000_000L), (int)Math.floorMod(startEpochNs, 1_000_000_000L), 9);
        ascii("\",\"durationUs\":");
        micros(durationNs);
        ascii(",\"outcome\":");
        bytes(outcomeJson);
        ascii("}}\n");
    }

    /**
     * @return bytes appended since the last drain.
     */
    public int length()
    {
        return length;
    }

    /**
     * Hand what was appended to {@code log} in one write, then start again.
     *
     * @param log the instance's log.
     */
    public void drainTo(final JsonLinesLog log)
    {
        if (length > 0)
        {
            log.writeLines(buffer, length);
            length = 0;
        }
    }

    /**
     * @return what was appended, as text (tests).
     */
    String text()
    {
        return new String(buffer, 0, length, StandardCharsets.UTF_8);
    }

    void reset()
    {
        length = 0;
    }

    private byte[] json(final String name)
    {
        byte[] escaped = names.get(name);
        if (escaped == null)
        {
            escaped = Json.write(name).getBytes(StandardCharsets.UTF_8);
            if (names.size() < MAX_NAMES)
            {
                names.put(name, escaped);
            }
        }
        return escaped;
    }

    private void ensure(final int more)
    {
        if (length + more > buffer.length)
        {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }

    private void ascii(final String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            buffer[length++] = (byte)s.charAt(i);
        }
    }

    private void bytes(final byte[] b)
    {
        System.arraycopy(b, 0, buffer, length, b.length);
        length += b.length;
    }

    private void hex(final long v)
    {
        for (int shift = 60; shift >= 0; shift -= 4)
        {
            buffer[length++] = HEX[(int)(v >>> shift) & 0xF];
        }
    }

    private void quotedHexOrNull(final long v)
    {
        if (v == 0)
        {
            ascii("null");
            return;
        }
        buffer[length++] = '"';
        hex(v);
        buffer[length++] = '"';
    }

    private void digits(final long v, final int width)
    {
        long rest = v;
        for (int i = width - 1; i >= 0; i--)
        {
            buffer[length + i] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        length += width;
    }

    private void number(final long v)
    {
        int width = 1;
        for (long x = v; x >= 10; x /= 10)
        {
            width++;
        }
        digits(v, width);
    }

    /**
     * {@code durationNs / 1000} with its three decimals, trailing zeros dropped ({@code 812.345}, {@code 3.5},
     * {@code 7.0}).
     */
    private void micros(final long durationNs)
    {
        long ns = durationNs;
        if (ns < 0)
        {
            buffer[length++] = '-';
            ns = -ns; // a clock step backwards; Long.MIN_VALUE cannot be a duration
        }
        number(ns / 1_000);
        buffer[length++] = '.';
        int fraction = (int)(ns % 1_000);
        int width = 3;
        while (width > 1 && fraction % 10 == 0)
        {
            fraction /= 10;
            width--;
        }
        digits(fraction, width);
    }

    /**
     * ISO-8601 UTC, {@code 2026-01-02T03:04:05} then {@code fractionDigits} digits of {@code nanos} and {@code Z}
     * (days to a civil date by the proleptic Gregorian calendar's 400-year eras).
     */
    private void timestamp(final long epochSecond, final int nanos, final int fractionDigits)
    {
        final long days = Math.floorDiv(epochSecond, 86_400L);
        final int secondOfDay = (int)Math.floorMod(epochSecond, 86_400L);
        final long z = days + 719_468;
        final long era = Math.floorDiv(z, 146_097);
        final long dayOfEra = z - era * 146_097;
        final long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        final long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        final long shiftedMonth = (5 * dayOfYear + 2) / 153;
        final long day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1;
        final long month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
        final long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        digits(year, 4);
        buffer[length++] = '-';
        digits(month, 2);
        buffer[length++] = '-';
        digits(day, 2);
        buffer[length++] = 'T';
        digits(secondOfDay / 3_600, 2);
        buffer[length++] = ':';
        digits(secondOfDay / 60 % 60, 2);
        buffer[length++] = ':';
        digits(secondOfDay % 60, 2);
        buffer[length++] = '.';
        long fraction = nanos;
        for (int i = fractionDigits; i < 9; i++)
        {
            fraction /= 10;
        }
        digits(fraction, fractionDigits);
        buffer[length++] = 'Z';
    }
}
