package dev.cell.runtime;

import java.util.List;

/**
 * The flags every JVM the project starts gets (the root pom's {@code jvm.flags}): module exports and opens for
 * Agrona, SBE and Chronicle, native access for the FFM API, and the properties that keep Chronicle from sending
 * usage analytics. One list, used for instances started by {@code cell mitosis} and benchmarks, and written into the surefire
 * configuration of projects made by {@code cell init}.
 *
 * @since 0.1
 */
public final class JvmFlags
{
    /**
     * The flags, in the root pom's order.
     */
    public static final List<String> FLAGS = List.of(
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow",
        "-Dchronicle.analytics.disable=true",
        "-Dchronicle.announcer.disable=true");

    private JvmFlags()
    {
    }

    /**
     * @return the flags separated by spaces (for a pom's {@code argLine}).
     */
    public static String joined()
    {
        return String.join(" ", FLAGS);
    }
}
