package dev.cell.tissue.config;

import dev.cell.tissue.UserError;

import java.nio.file.Path;
import java.util.List;

/**
 * What is wrong with a {@code cell.toml} (or {@code Cell.lock}): every problem found, each with its file and line.
 * The message already names both and says what to do; {@link #problems()} gives them to tools.
 *
 * @since 0.1
 */
public final class ConfigError extends UserError
{
    private static final long serialVersionUID = 1L;

    /**
     * One problem.
     *
     * @param file    the file at fault.
     * @param line    its line, 0 when the problem is not at one line (a missing table, an unreadable file).
     * @param message what is wrong and what to do, naming the file (and the line when known).
     */
    public record Problem(Path file, int line, String message)
    {
    }

    private final transient List<Problem> problems;

    /**
     * @param file    the file at fault.
     * @param line    the line, 0 when none.
     * @param message what is wrong and what to do.
     */
    public ConfigError(final Path file, final int line, final String message)
    {
        this(List.of(new Problem(file, line, message)), null);
    }

    /**
     * @param file    the file at fault.
     * @param line    the line, 0 when none.
     * @param message what is wrong and what to do.
     * @param cause   the underlying failure.
     */
    public ConfigError(final Path file, final int line, final String message, final Throwable cause)
    {
        this(List.of(new Problem(file, line, message)), cause);
    }

    /**
     * @param problems every problem found, at least one.
     */
    public ConfigError(final List<Problem> problems)
    {
        this(problems, null);
    }

    private ConfigError(final List<Problem> problems, final Throwable cause)
    {
        super(report(problems), cause);
        this.problems = List.copyOf(problems);
    }

    /**
     * @return every problem found.
     */
    public List<Problem> problems()
    {
        return problems;
    }

    /**
     * @return the file of the first problem.
     */
    public Path file()
    {
        return problems.getFirst().file();
    }

    /**
     * @return the line of the first problem, 0 when none.
     */
    public int line()
    {
        return problems.getFirst().line();
    }

    private static String report(final List<Problem> problems)
    {
        if (problems.size() == 1)
        {
            return problems.getFirst().message();
        }
        final StringBuilder sb = new StringBuilder(problems.size() + " problems, nothing was started:");
        for (final Problem p : problems)
        {
            sb.append("\n  ").append(p.message());
        }
        return sb.toString();
    }
}
