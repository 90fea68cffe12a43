package dev.cell.systemtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small Maven project with three test cells, built once per test class, and tissues made of them:
 * <ul>
 *   <li>{@code crasher}: throws from {@code onStart}, so every instance dies before it is ready;</li>
 *   <li>{@code hog}: {@code grab} allocates and touches native memory (outside the Java heap) on request;</li>
 *   <li>{@code sleepy}: {@code ping} answers with its pid.</li>
 * </ul>
 * Each cell folder of a tissue holds its {@code cell.toml} and a link {@code target} to the built project, so the
 * tissue runs with {@code --no-build}.
 */
final class ProbeCells
{
    private static Path built;

    private ProbeCells()
    {
    }

    static synchronized Path project() throws IOException, InterruptedException
    {
        if (built != null)
        {
            return built;
        }
        final Path dir = SystemTestSupport.newDir("probe-cells").resolve("probe");
        final String pkg = "src/main/java/dev/cell/probe/";
        SystemTestSupport.write(dir.resolve("pom.xml"), SystemTestSupport.pom("probe", ""));
        SystemTestSupport.write(dir.resolve(pkg + "Crasher.java"), """
            package dev.cell.probe;

            import dev.cell.runtime.Cell;
            import dev.cell.runtime.CellContext;
            import dev.cell.runtime.CellLifecycle;

            @Cell("crasher")
            public final class Crasher implements CellLifecycle
            {
                @Override
                public void onStart(final CellContext context)
                {
                    throw new IllegalStateException("crasher fails on start on purpose");
                }

                public Pong ping(final Ping ping)
                {
                    return new Pong(ping.text(), 0);
                }
            }
            """);
        SystemTestSupport.write(dir.resolve(pkg + "Hog.java"), """
            package dev.cell.probe;

            import dev.cell.runtime.Cell;

            import java.lang.foreign.Arena;
            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.ValueLayout;
            import java.util.ArrayList;
            import java.util.List;

            @Cell("hog")
            public final class Hog
            {
                private final List<MemorySegment> held = new ArrayList<>();

                public Grabbed grab(final Grab grab)
                {
                    for (long mb = 0; mb < grab.mb(); mb++)
                    {
                        final MemorySegment s = Arena.global().allocate(1 << 20);
                        for (long off = 0; off < s.byteSize(); off += 4096)
                        {
                            s.set(ValueLayout.JAVA_BYTE, off, (byte)1);
                        }
                        held.add(s);
                    }
                    return new Grabbed(held.size());
                }
            }
            """);
        SystemTestSupport.write(dir.resolve(pkg + "Sleepy.java"), """
            package dev.cell.probe;

            import dev.cell.runtime.Cell;

            @Cell("sleepy")
            public final class Sleepy
            {
                public Pong ping(final Ping ping)
                {
                    return new Pong(ping.text(), ProcessHandle.current().pid());
                }
            }
            """);
        SystemTestSupport.write(dir.resolve(pkg + "Ping.java"), "package dev.cell.probe;\n\n" +
            "public record Ping(String text)\n{\n}\n");
        SystemTestSupport.write(dir.resolve(pkg + "Pong.java"), "package dev.cell.probe;\n\n" +
            "public record Pong(String text, long pid)\n{\n}\n");
        SystemTestSupport.write(dir.resolve(pkg + "Grab.java"), "package dev.cell.probe;\n\n" +
            "public record Grab(long mb)\n{\n}\n");
        SystemTestSupport.write(dir.resolve(pkg + "Grabbed.java"), "package dev.cell.probe;\n\n" +
            "public record Grabbed(long mb)\n{\n}\n");
        SystemTestSupport.mvn(dir, "package", "org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath",
            "-Dmdep.outputFile=target/cell.classpath", "-Dmdep.includeScope=runtime", "-DskipTests");
        built = dir;
        return dir;
    }

    /**
     * A cell folder of a probe cell: its cell.toml (the [cell] table is added) and a link to the built project.
     */
    static Path cell(final Path folder, final String name, final String extraToml) throws IOException,
        InterruptedException
    {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("cell.toml"), "[cell]\nname = \"" + name + "\"\n\n" + extraToml);
        Files.createSymbolicLink(folder.resolve("target"), project().resolve("target"));
        return folder;
    }
}
