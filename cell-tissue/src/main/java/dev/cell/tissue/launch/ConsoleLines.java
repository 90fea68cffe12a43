package dev.cell.tissue.launch;

import dev.cell.runtime.genome.Json;

import java.util.Map;

/**
 * Instance log lines for people, as an attached {@code cell mitosis} and {@code cell logs} print them (the files on
 * disk stay JSON lines; {@code --json} prints those):
 * <pre>
 * 12:04:05.678 exchange-4711 | INFO  instance.started pid=4711 fingerprint=9c0f… latency=eco
 * 12:04:07.002 trader-4712   | WARN  call.failed handler=quote error=Unavailable trace=4bf92f3577b34da6a3ce929d0e0e4736
 * </pre>
 * The name column has one colour per instance when the output is a terminal and {@code NO_COLOR} is not set;
 * {@code ERROR} and {@code WARN} are coloured too. A line that is not a log object (JVM warnings, a stack trace)
 * is printed as it came, after the name column.
 *
 * @since 0.1
 */
public final class ConsoleLines
{
    private static final String RESET = "\u001b[0m";
    private static final String[] COLOURS = {"\u001b[36m", "\u001b[33m", "\u001b[32m", "\u001b[35m", "\u001b[34m",
        "\u001b[96m", "\u001b[93m", "\u001b[92m", "\u001b[95m", "\u001b[94m"};
    private static final int NAME_WIDTH = 16;
    private static final int MAX_VALUE = 80;

    private final boolean colour;

    /**
     * @param colour whether to use ANSI colours.
     */
    public ConsoleLines(final boolean colour)
    {
        this.colour = colour;
    }

    /**
     * @return colours when standard output is a terminal and {@code NO_COLOR} is unset (see no-color.org).
     */
    public static ConsoleLines forThisTerminal()
    {
        final String noColor = System.getenv("NO_COLOR");
        return new ConsoleLines(System.console() != null && System.console().isTerminal() &&
            (noColor == null || noColor.isEmpty()));
    }

    /**
     * @param label the instance's name ({@code exchange-4711}).
     * @param line  one line it wrote.
     * @return the line for people.
     */
    public String format(final String label, final String line)
    {
        final StringBuilder sb = new StringBuilder(line.length() + 32);
        final Map<String, Object> log = parse(line);
        if (log != null && log.get("ts") instanceof String ts)
        {
            final int t = ts.indexOf('T');
            sb.append(t > 0 && ts.length() >= t + 13 ? ts.substring(t + 1, t + 13) : ts).append(' ');
        }
        name(sb, label);
        if (log == null)
        {
            return sb.append(line).toString();
        }
        final String level = String.valueOf(log.getOrDefault("level", ""));
        final String levelColour = "ERROR".equals(level) ? "\u001b[31m" : "WARN".equals(level) ? "\u001b[33m" : null;
        if (colour && levelColour != null)
        {
            sb.append(levelColour);
        }
        sb.append(String.format("%-5s", level));
        if (colour && levelColour != null)
        {
            sb.append(RESET);
        }
        sb.append(' ').append(log.getOrDefault("event", ""));
        if (log.get("fields") instanceof Map<?, ?> fields)
        {
            for (final Map.Entry<?, ?> f : fields.entrySet())
            {
                sb.append(' ').append(f.getKey()).append('=').append(value(f.getValue()));
            }
        }
        if (log.get("traceId") instanceof String trace)
        {
            sb.append(" trace=").append(trace);
        }
        return sb.toString();
    }

    private void name(final StringBuilder sb, final String label)
    {
        if (colour)
        {
            sb.append(COLOURS[Math.floorMod(label.hashCode(), COLOURS.length)]);
        }
        sb.append(label);
        for (int i = label.length(); i < NAME_WIDTH; i++)
        {
            sb.append(' ');
        }
        if (colour)
        {
            sb.append(RESET);
        }
        sb.append(" | ");
    }

    private static String value(final Object v)
    {
        final String s = v instanceof String str ? str : Json.write(v);
        final String one = s.replace('\n', ' ');
        return one.length() > MAX_VALUE ? one.substring(0, MAX_VALUE - 1) + "…" : one;
    }

    private static Map<String, Object> parse(final String line)
    {
        if (!line.startsWith("{") || !line.endsWith("}"))
        {
            return null;
        }
        try
        {
            return Json.parseObject(line);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }
}
