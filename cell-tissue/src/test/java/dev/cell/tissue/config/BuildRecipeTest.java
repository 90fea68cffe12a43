package dev.cell.tissue.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code [build]}: a command and the jar it leaves, read by the one reader; a cell without it is built by Maven;
 * a bad command, an artifact outside the folder or a {@code [build]} in a file without {@code [cell]} is refused
 * with its line.
 */
class BuildRecipeTest
{
    @TempDir
    Path dir;

    private void write(final String toml) throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), toml);
    }

    @Test
    void aRecipeIsReadAndItsAbsenceMeansMaven() throws IOException
    {
        write("""
            [cell]
            name = "quotes"

            [build]
            command = ["sh", "build.sh", "--fast"]
            artifact = "out/quotes.jar"
            """);
        final BuildRecipe recipe = TissueConfig.loadCell(dir).recipe();
        assertEquals(new BuildRecipe(List.of("sh", "build.sh", "--fast"), "out/quotes.jar"), recipe);
        assertEquals(recipe, TissueConfig.load(dir).cells().getFirst().recipe(), "the tree reads it too");
        assertEquals("command", recipe.manifest().get("build"));
        write("""
            [cell]
            name = "quotes"
            """);
        assertNull(TissueConfig.loadCell(dir).recipe());
    }

    @Test
    void badRecipesAreRefusedWithTheirLine() throws IOException
    {
        for (final String[] bad : new String[][] {
            {"command = []\nartifact = \"out/a.jar\"", "build.command", "5"},
            {"command = \"make\"\nartifact = \"out/a.jar\"", "build.command", "5"},
            {"command = [\"sh\", 3]\nartifact = \"out/a.jar\"", "build.command", "5"},
            {"command = [\"make\"]", "build.artifact is missing", "5"},
            {"command = [\"make\"]\nartifact = \"../elsewhere/a.jar\"", "inside the cell's folder", "6"},
            {"command = [\"make\"]\nartifact = \"/tmp/a.jar\"", "inside the cell's folder", "6"},
            {"command = [\"make\"]\nartifact = \"target/a.jar\"", "outside .git, .cell and target", "6"},
            {"command = [\"make\"]\nartifact = \"out/a.zip\"", "not a .jar", "6"},
            {"command = [\"make\"]\nartifact = \"out/a.jar\"\nflags = 1", "unknown key 'build.flags'", "7"},
        })
        {
            write("[cell]\nname = \"quotes\"\n\n[build]\n" + bad[0] + "\n");
            final ConfigError e = assertThrows(ConfigError.class, () -> TissueConfig.loadCell(dir), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]) && e.getMessage().contains("line " + bad[2]),
                bad[0] + " -> " + e.getMessage());
        }
        write("""
            [cells]
            quotes = { path = "quotes" }

            [build]
            command = ["make"]
            artifact = "out/a.jar"
            """);
        final ConfigError tissue = assertThrows(ConfigError.class, () -> TissueConfig.load(dir));
        assertTrue(tissue.getMessage().contains("[build] is a cell's setting"), tissue.getMessage());
    }
}
