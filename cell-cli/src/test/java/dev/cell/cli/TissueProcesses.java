package dev.cell.cli;

import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;

import java.nio.file.Path;

/**
 * Clean-up for tests that start real supervisors: kill every detached supervisor started with this cell home and
 * every instance registered under it.
 */
final class TissueProcesses
{
    private TissueProcesses()
    {
    }

    static void killAll(final Path home)
    {
        final String marker = "-Dcell.home=" + home;
        ProcessHandle.allProcesses()
            .filter(h -> commandLine(h).contains(marker) && commandLine(h).contains("--supervise"))
            .forEach(ProcessHandle::destroyForcibly);
        for (final Instance i : new Instances(home).live())
        {
            ProcessHandle.of(i.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A process's whole command line. {@code ProcessHandle.Info.commandLine()} stops at 4,096 characters on Linux, and
     * a supervisor started with a test's class path has {@code --supervise} after that: a leaked supervisor was found
     * running half an hour after its test.
     */
    static String commandLine(final ProcessHandle h)
    {
        try
        {
            return java.nio.file.Files.readString(Path.of("/proc/" + h.pid() + "/cmdline")).replace('\0', ' ');
        }
        catch (final java.io.IOException | RuntimeException gone)
        {
            return h.info().commandLine().orElse("");
        }
    }
}
