package dev.cell.tissue.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only this module reads {@code cell.toml}: no other module's main sources may use a TOML parser or read the file's
 * text, and no other pom may depend on tomlj — every key is added to one reader, with one set of rules and errors.
 */
class TomlOnlyHereTest
{
    private static final String TISSUE_MODULE = "cell-tissue";
    private static final Pattern TOML_PARSER = Pattern.compile("org\\.tomlj|\\bToml\\.parse");
    // reading the text of cell.toml by hand: a line that names it and reads a file
    private static final Pattern READS_CELL_TOML = Pattern.compile(
        "(cell\\.toml|FILE_NAME).*(readString|readAllLines|Files\\.lines|newBufferedReader|newInputStream)|" +
        "(readString|readAllLines|Files\\.lines|newBufferedReader|newInputStream).*(cell\\.toml|FILE_NAME)");
    private static final Pattern TOMLJ_DEPENDENCY = Pattern.compile("<artifactId>tomlj</artifactId>");

    @Test
    void noOtherModuleParsesCellToml()
    {
        final Path root = projectRoot();
        final List<String> offenders = offenders(root);
        assertEquals(List.of(), offenders, "only " + TISSUE_MODULE + " may parse cell.toml; use " +
            "dev.cell.tissue.config (TissueTree, TissueConfig, CellDeps) instead");
        assertTrue(Files.isDirectory(root.resolve("cell-cli")), "scanned the project at " + root);
    }

    @Test
    void theCheckCatchesAPlantedReader(@TempDir final Path dir) throws IOException
    {
        write(dir.resolve("pom.xml"), "<project><dependencyManagement><artifactId>tomlj</artifactId>" +
            "</dependencyManagement></project>");
        write(dir.resolve("cell-runtime/src/main/java/a/ByLine.java"),
            "class ByLine { boolean s(java.nio.file.Path d) throws Exception {\n" +
            "  return java.nio.file.Files.readString(d.resolve(\"cell.toml\")).contains(\"[state]\"); } }\n");
        write(dir.resolve("raft/src/main/java/a/Parser.java"), "import org.tomlj.Toml;\nclass Parser {}\n");
        write(dir.resolve("raft/pom.xml"), "<dependency><artifactId>tomlj</artifactId></dependency>");
        write(dir.resolve("cell-tissue/src/main/java/a/Allowed.java"), "import org.tomlj.Toml;\nclass Allowed {}\n");
        write(dir.resolve("cell-tissue/pom.xml"), "<dependency><artifactId>tomlj</artifactId></dependency>");
        write(dir.resolve("cell-cli/src/test/java/a/WritesIt.java"),
            "class WritesIt { void w(java.nio.file.Path d) throws Exception {\n" +
            "  java.nio.file.Files.readString(d.resolve(\"cell.toml\")); } }\n");

        final List<String> found = offenders(dir);
        assertEquals(3, found.size(), found.toString());
        assertTrue(found.get(0).startsWith("cell-runtime/src/main/java/a/ByLine.java:2: "), found.toString());
        assertTrue(found.get(1).startsWith("raft/pom.xml:1: "), found.toString());
        assertTrue(found.get(2).startsWith("raft/src/main/java/a/Parser.java:1: "), found.toString());
    }

    /**
     * @param root a project folder.
     * @return {@code file:line: text} of every TOML parser use or {@code cell.toml} read outside the tissue module's
     * main sources, and every pom outside it (and the root's dependency management) naming tomlj; sorted.
     */
    static List<String> offenders(final Path root)
    {
        final List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root))
        {
            for (final Path f : files.filter(Files::isRegularFile).sorted().toList())
            {
                final Path rel = root.relativize(f);
                final String path = rel.toString().replace('\\', '/');
                if (path.startsWith(TISSUE_MODULE + "/") || path.contains("/target/") || path.startsWith(".git/"))
                {
                    continue;
                }
                if (path.endsWith(".java") && path.contains("/src/main/java/"))
                {
                    scan(f, path, found, TOML_PARSER, READS_CELL_TOML);
                }
                else if (path.endsWith("pom.xml") && !path.equals("pom.xml"))
                {
                    scan(f, path, found, TOMLJ_DEPENDENCY);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return found;
    }

    private static void scan(final Path file, final String path, final List<String> found, final Pattern... rules)
        throws IOException
    {
        final List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++)
        {
            for (final Pattern rule : rules)
            {
                if (rule.matcher(lines.get(i)).find())
                {
                    found.add(path + ":" + (i + 1) + ": " + lines.get(i).strip());
                    break;
                }
            }
        }
    }

    private static Path projectRoot()
    {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve(TISSUE_MODULE)))
        {
            p = p.getParent();
        }
        if (p == null)
        {
            throw new IllegalStateException("no folder above " + Path.of("").toAbsolutePath() + " holds " +
                TISSUE_MODULE);
        }
        return p;
    }

    private static void write(final Path file, final String text) throws IOException
    {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
