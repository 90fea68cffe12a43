package dev.cell.tissue.config;

import dev.cell.tissue.UserError;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations users type: {@code 500ms}, {@code 5s}, {@code 2m}, or a plain number of seconds.
 *
 * @since 0.1
 */
public final class Durations
{
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private Durations()
    {
    }

    /**
     * @param text   the duration as typed.
     * @param option the option it came from, for the error message.
     * @return the duration.
     * @throws UserError naming the option and the accepted forms.
     */
    public static Duration parse(final String text, final String option)
    {
        final Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches())
        {
            throw new UserError(option + " '" + text + "' is not a duration: use e.g. 500ms, 5s, 2m or 1h");
        }
        final double amount = Double.parseDouble(m.group(1));
        final String unit = m.group(2) == null ? "s" : m.group(2);
        final double millis = switch (unit)
        {
            case "ms" -> amount;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            default -> amount * 1_000;
        };
        if (millis < 1)
        {
            throw new UserError(option + " '" + text + "' must be at least 1ms");
        }
        return Duration.ofMillis((long)millis);
    }

    /**
     * @param d a duration.
     * @return it in a short human form: {@code 3d4h}, {@code 2h5m}, {@code 4m12s}, {@code 12s}.
     */
    public static String human(final Duration d)
    {
        final long s = Math.max(0, d.toSeconds());
        if (s >= 86_400)
        {
            return s / 86_400 + "d" + (s % 86_400) / 3_600 + "h";
        }
        if (s >= 3_600)
        {
            return s / 3_600 + "h" + (s % 3_600) / 60 + "m";
        }
        if (s >= 60)
        {
            return s / 60 + "m" + s % 60 + "s";
        }
        return s + "s";
    }
}
