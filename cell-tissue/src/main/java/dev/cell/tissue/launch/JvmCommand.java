package dev.cell.tissue.launch;

import dev.cell.runtime.JvmFlags;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one builder of child-JVM command lines: instances, the detached supervisor, benchmark peers and the genome
 * probe all start {@code java} through it, so they get the same binary, the same {@link JvmFlags#FLAGS} and class
 * paths written the same way.
 * <pre>
 * List&lt;String&gt; cmd = JvmCommand.java().property("cell.home", home).classPath(jars)
 *     .main("dev.cell.runtime.service.CellMain", "--cell-dir", dir).toList();
 * </pre>
 * The order is fixed whatever the calls' order: {@code [setsid] java FLAGS options -cp path main args}.
 *
 * @since 0.1
 */
public final class JvmCommand
{
    private static final Path SETSID = findSetsid();

    private final Path java;
    private final List<String> options = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private List<String> classPath = List.of();
    private String main;
    private boolean ownSession;

    private JvmCommand(final Path java)
    {
        this.java = java;
    }

    /**
     * @return a command for the {@code java} of this JVM's {@code java.home}, with the project's JVM flags.
     */
    public static JvmCommand java()
    {
        return java(Path.of(System.getProperty("java.home")));
    }

    /**
     * @param javaHome a JDK or runtime image.
     * @return a command for its {@code bin/java}, with the project's JVM flags.
     */
    public static JvmCommand java(final Path javaHome)
    {
        return new JvmCommand(javaHome.resolve("bin").resolve("java"));
    }

    /**
     * @param option JVM options added after the standard flags (limits, {@code -XX:...}).
     * @return this.
     */
    public JvmCommand option(final String... option)
    {
        options.addAll(List.of(option));
        return this;
    }

    /**
     * @param option JVM options added after the standard flags.
     * @return this.
     */
    public JvmCommand options(final List<String> option)
    {
        options.addAll(option);
        return this;
    }

    /**
     * @param key   a system property.
     * @param value its value.
     * @return this, with {@code -Dkey=value}.
     */
    public JvmCommand property(final String key, final Object value)
    {
        options.add("-D" + key + "=" + value);
        return this;
    }

    /**
     * @param entries class path entries, in order.
     * @return this.
     */
    public JvmCommand classPath(final List<String> entries)
    {
        classPath = List.copyOf(entries);
        return this;
    }

    /**
     * @return this, with this JVM's own class path (made absolute, so the child may run in another folder).
     */
    public JvmCommand ownClassPath()
    {
        final List<String> entries = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            if (!entry.isEmpty())
            {
                entries.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return classPath(entries);
    }

    /**
     * @param className the main class.
     * @param arguments its arguments.
     * @return this.
     */
    public JvmCommand main(final String className, final String... arguments)
    {
        main = className;
        args.addAll(List.of(arguments));
        return this;
    }

    /**
     * @param arguments more arguments for the main class.
     * @return this.
     */
    public JvmCommand args(final List<String> arguments)
    {
        args.addAll(arguments);
        return this;
    }

    /**
     * Run the JVM in a session of its own ({@code setsid}, where the OS has it), so a terminal's Ctrl-C reaches
     * only its supervisor, which stops it in order.
     *
     * @return this.
     */
    public JvmCommand ownSession()
    {
        ownSession = true;
        return this;
    }

    /**
     * @return the command line.
     * @throws IllegalStateException when no main class was given.
     */
    public List<String> toList()
    {
        if (main == null)
        {
            throw new IllegalStateException("no main class: call main(...) before toList()");
        }
        final List<String> cmd = new ArrayList<>();
        if (ownSession && SETSID != null)
        {
            cmd.add(SETSID.toString());
        }
        cmd.add(java.toString());
        cmd.addAll(JvmFlags.FLAGS);
        cmd.addAll(options);
        if (!classPath.isEmpty())
        {
            cmd.add("-cp");
            cmd.add(String.join(File.pathSeparator, classPath));
        }
        cmd.add(main);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * @return a process builder for the command line.
     */
    public ProcessBuilder processBuilder()
    {
        return new ProcessBuilder(toList());
    }

    /**
     * @return {@code setsid}, or null where the OS has none.
     */
    static Path setsid()
    {
        return SETSID;
    }

    private static Path findSetsid()
    {
        for (final String s : List.of("/usr/bin/setsid", "/bin/setsid"))
        {
            if (Files.isExecutable(Path.of(s)))
            {
                return Path.of(s);
            }
        }
        return null;
    }
}
