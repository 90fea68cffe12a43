package dev.cell.runtime.discovery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryViewTest
{
    @TempDir
    Path home;

    private Path write(final String cell, final String text) throws Exception
    {
        final Path dir = Files.createDirectories(RegistryView.dir(home));
        return Files.writeString(dir.resolve(cell), text);
    }

    @Test
    void readsEveryWellFormedLineAndSkipsTheRest() throws Exception
    {
        write("exchange", RegistryView.line("exchange-1", "10.0.0.2:7400", "ed25519:abc", "0123456789abcdef",
            "host-b", "eu", new RegistryView.Load(40, 180, 3, 1200), "1.2.0") + "garbage without tabs\n\t\t\t\t\t\n" +
            "exchange-0\t10.0.0.1:7400\t\t0123456789abcdef\thost-a\t\n" + // lines of an older agent: skipped
            RegistryView.line("exchange-2", "[fd00::3]:7400", "", "0123456789abcdef", "host-c", "",
                RegistryView.Load.NONE, "0") +
            "exchange-3\t10.0.0.4:7400\t\t0123456789abcdef\thost-d\t\tx\t-1\t\t9\t1\n");
        final List<RegistryView.Entry> entries = RegistryView.read(home, "exchange");
        assertEquals(List.of("exchange-1", "exchange-2", "exchange-3"), entries.stream()
            .map(RegistryView.Entry::instanceId).toList());
        assertEquals(new RegistryView.Entry("exchange-1", "10.0.0.2:7400", "ed25519:abc", "0123456789abcdef",
            "host-b", "eu", new RegistryView.Load(40, 180, 3, 1200), "1.2.0"), entries.getFirst());
        assertEquals(new RegistryView.Load(0, 0, 0, 9), entries.get(2).load(), "malformed or negative counts read 0");
    }

    @Test
    void aViewNotRewrittenRecentlyIsNotUsed() throws Exception
    {
        final Path file = write("exchange", RegistryView.line("exchange-1", "10.0.0.2:7400", "", "0123456789abcdef",
            "b", "", RegistryView.Load.NONE, "0"));
        assertEquals(1, RegistryView.read(home, "exchange").size(), "fresh: used");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - RegistryView.MAX_AGE_MS -
            1_000));
        assertTrue(RegistryView.read(home, "exchange").isEmpty(), "its replica stopped rewriting it: not used");
    }

    @Test
    void noViewAndNamesThatAreNoCellNamesReadAsEmpty() throws Exception
    {
        assertTrue(RegistryView.read(home, "exchange").isEmpty());
        write("x", RegistryView.line("i", "10.0.0.2:1", "", "0123456789abcdef", "b", "", RegistryView.Load.NONE, "0"));
        assertTrue(RegistryView.read(home, "../view/x").isEmpty(), "a name with a path in it reads nothing");
    }
}
