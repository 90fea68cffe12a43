package dev.cell.runtime.transport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transports only move frames: no class under {@code dev.cell.runtime.transport} may use Cell's protocol codecs
 * ({@code dev.cell.sbe.*}) or the session layer that wraps them ({@code dev.cell.runtime.session.*}). Checked on the
 * sources (imports and fully qualified names outside comments) and on the compiled classes (their constant pools).
 */
class TransportLayeringTest
{
    private static final Path SOURCES = Path.of("src/main/java/dev/cell/runtime/transport");
    private static final Path CLASSES = Path.of("target/classes/dev/cell/runtime/transport");
    private static final List<String> FORBIDDEN = List.of("dev.cell.sbe.", "dev.cell.runtime.session.");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);
    private static final Pattern STRINGS = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"");
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);

    /**
     * @param source a Java source.
     * @return each forbidden name it imports or uses fully qualified, comments and strings aside.
     */
    static List<String> forbiddenUses(final String source)
    {
        final String code = STRINGS.matcher(COMMENTS.matcher(source).replaceAll(" ")).replaceAll("\"\"");
        final List<String> found = new ArrayList<>();
        final Matcher imports = IMPORT.matcher(code);
        while (imports.find())
        {
            if (isForbidden(imports.group(1)))
            {
                found.add("import " + imports.group(1));
            }
        }
        for (final String prefix : FORBIDDEN)
        {
            final Matcher m = Pattern.compile("(?<![\\w.])" + Pattern.quote(prefix) + "[\\w.]*").matcher(code);
            while (m.find())
            {
                if (!found.contains("import " + m.group()))
                {
                    found.add(m.group());
                }
            }
        }
        return found;
    }

    /**
     * @param classFile a class file's bytes.
     * @return true when its constant pool names a forbidden package (as {@code dev/cell/sbe/...}).
     */
    static boolean classUsesForbidden(final byte[] classFile)
    {
        final String text = new String(classFile, StandardCharsets.ISO_8859_1);
        for (final String prefix : FORBIDDEN)
        {
            if (text.contains(prefix.replace('.', '/')))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean isForbidden(final String name)
    {
        for (final String prefix : FORBIDDEN)
        {
            if (name.startsWith(prefix))
            {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldFindNoProtocolCodecInTransportSources() throws IOException
    {
        final List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES))
        {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(files.size() >= 6, "transport sources not found under " + SOURCES.toAbsolutePath());
        final List<String> problems = new ArrayList<>();
        for (final Path file : files)
        {
            for (final String use : forbiddenUses(Files.readString(file)))
            {
                problems.add(file + ": " + use);
            }
        }
        assertEquals(List.of(), problems, "transport classes must not use the protocol codecs or the session layer");
    }

    @Test
    void shouldFindNoProtocolCodecInTransportClasses() throws IOException
    {
        final List<Path> files;
        try (Stream<Path> walk = Files.walk(CLASSES))
        {
            files = walk.filter(p -> p.toString().endsWith(".class")).toList();
        }
        assertTrue(files.size() >= 6, "transport classes not found under " + CLASSES.toAbsolutePath());
        final List<String> problems = new ArrayList<>();
        for (final Path file : files)
        {
            if (classUsesForbidden(Files.readAllBytes(file)))
            {
                problems.add(file.toString());
            }
        }
        assertEquals(List.of(), problems, "transport classes must not use the protocol codecs or the session layer");
    }

    @Test
    void shouldCatchAPlantedImport()
    {
        final String planted = """
            package dev.cell.runtime.transport.axon;

            import dev.cell.ring.Junction;
            import dev.cell.sbe.codecs.RequestDecoder;
            import static dev.cell.runtime.session.Protocol.HEADER_LENGTH;

            final class Planted
            {
            }
            """;
        assertEquals(List.of("import dev.cell.sbe.codecs.RequestDecoder",
            "import dev.cell.runtime.session.Protocol.HEADER_LENGTH"), forbiddenUses(planted));
    }

    @Test
    void shouldCatchAFullyQualifiedUseButNotAComment()
    {
        final String planted = """
            package dev.cell.runtime.transport.axon;

            /** Unlike {@code dev.cell.sbe.codecs.RequestDecoder}, this reads nothing. */
            final class Planted
            {
                // dev.cell.sbe.codecs.MessageHeaderDecoder is not used here
                private final String note = "dev.cell.sbe.codecs.Outcome";
                private final dev.cell.sbe.codecs.ResponseEncoder encoder = null;
            }
            """;
        assertEquals(List.of("dev.cell.sbe.codecs.ResponseEncoder"), forbiddenUses(planted));
        assertTrue(forbiddenUses("import dev.cell.ring.Junction;\nimport org.agrona.DirectBuffer;\n").isEmpty());
    }

    @Test
    void shouldCatchAPlantedClassReference()
    {
        final byte[] planted = "\u00ca\u00fe\u00ba\u00be..Ldev/cell/sbe/codecs/RequestDecoder;..".getBytes(
            StandardCharsets.ISO_8859_1);
        assertTrue(classUsesForbidden(planted));
        assertFalse(classUsesForbidden("..Ldev/cell/ring/Junction;..".getBytes(StandardCharsets.ISO_8859_1)));
    }
}
