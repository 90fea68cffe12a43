package dev.cell.tissue.supervise;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Per-cell progress of {@code cell mitosis}: building, waiting, starting, ready, crashed, backoff, dormant,
 * failed, stopped. On a terminal the state is coloured; otherwise each change is one plain line
 * {@code <cell> <state> <detail>}, easy to grep in logs and CI.
 *
 * @since 0.1
 */
public final class Progress
{
    private final PrintWriter out;
    private final boolean terminal;

    Progress(final PrintWriter out)
    {
        this.out = out;
        final Console console = System.console();
        this.terminal = console != null && console.isTerminal() && System.getenv("NO_COLOR") == null;
    }

    public void update(final String cell, final String state, final String detail)
    {
        final String shown = terminal ? colour(state) + state + "\u001b[0m" : state;
        synchronized (out)
        {
            out.printf(Locale.ROOT, "%-16s %s%s%n", cell, shown + " ".repeat(Math.max(0, 9 - state.length())),
                detail == null || detail.isEmpty() ? "" : detail);
            out.flush();
        }
    }

    private static String colour(final String state)
    {
        return switch (state)
        {
            case "ready", "built" -> "\u001b[32m";
            case "failed", "crashed", "killed" -> "\u001b[31m";
            case "building", "starting", "waiting", "backoff" -> "\u001b[33m";
            default -> "\u001b[36m";
        };
    }
}
