package dev.cell.cli;

import dev.cell.tissue.config.Durations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class CommandsTest
{
    @ParameterizedTest
    @ValueSource(strings = {"build", "mitosis", "ps", "stop", "logs", "trace", "call", "bench", "genome", "init"})
    void everyCommandHasHelpAndVersion(final String command)
    {
        final Cli help = Cli.run(command, "--help");
        assertEquals(0, help.code(), help.toString());
        assertTrue(help.out().startsWith("Usage: cell " + command), help.toString());

        final Cli version = Cli.run(command, "--version");
        assertEquals(0, version.code(), version.toString());
        assertTrue(version.out().startsWith("cell " + CellVersion.version()), version.toString());
    }

    @Test
    void rootHelpListsTheCommands()
    {
        final Cli help = Cli.run("--help");
        assertEquals(0, help.code());
        for (final String c : new String[] {"build", "mitosis", "ps", "stop", "logs", "trace", "call", "bench",
            "genome", "init"})
        {
            assertTrue(help.out().contains("  " + c + " "), c + " missing in\n" + help.out());
        }
    }

    @Test
    void versionIsFilteredByTheBuild()
    {
        assertTrue(CellVersion.version().matches("\\d+\\.\\d+\\.\\d+.*"), CellVersion.version());
    }

    @Test
    void usageErrorsExitWithOne()
    {
        final Cli unknown = Cli.run("bogus");
        assertEquals(CellCommand.EXIT_USER_ERROR, unknown.code(), unknown.toString());
        final Cli none = Cli.run();
        assertEquals(CellCommand.EXIT_USER_ERROR, none.code(), none.toString());
        assertTrue(none.err().contains("name a command"), none.toString());
        final Cli missing = Cli.run("call", "exchange");
        assertEquals(CellCommand.EXIT_USER_ERROR, missing.code(), missing.toString());
    }

    @Test
    void badDurationIsAUserError()
    {
        final Cli cli = Cli.run("call", "exchange", "placeOrder", "{}", "--timeout", "soon");
        assertEquals(CellCommand.EXIT_USER_ERROR, cli.code(), cli.toString());
        assertTrue(cli.err().contains("--timeout 'soon' is not a duration"), cli.toString());
    }

    @Test
    void durationsParse()
    {
        assertEquals(500, Durations.parse("500ms", "x").toMillis());
        assertEquals(5_000, Durations.parse("5s", "x").toMillis());
        assertEquals(5_000, Durations.parse("5", "x").toMillis());
        assertEquals(120_000, Durations.parse("2m", "x").toMillis());
        assertEquals("4m12s", Durations.human(java.time.Duration.ofSeconds(252)));
    }

    @Test
    void mitosisReportsConfigErrorsWithExitCodeOne(@TempDir final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), "[cells]\nexchange = { path = \"nowhere\" }\n");
        final Cli cli = Cli.run("mitosis", dir.toString(), "--no-build");
        assertEquals(CellCommand.EXIT_USER_ERROR, cli.code(), cli.toString());
        assertTrue(cli.err().contains("cell mitosis: " + dir.resolve("cell.toml") + ": cells.exchange.path"),
            cli.toString());
    }
}
