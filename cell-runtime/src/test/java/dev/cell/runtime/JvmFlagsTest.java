package dev.cell.runtime;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JvmFlagsTest
{
    @Test
    void shouldMatchTheRootPomsJvmFlags()
    {
        final String fromPom = System.getProperty("child.jvm.flags", "");
        final List<String> pomFlags = Arrays.stream(fromPom.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        assertEquals(JvmFlags.FLAGS, pomFlags,
            "the root pom's jvm.flags and dev.cell.runtime.JvmFlags must list the same flags in the same order");
    }
}
