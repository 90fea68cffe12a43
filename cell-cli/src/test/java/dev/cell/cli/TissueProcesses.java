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
            .filter(h -> h.info().commandLine().map(c -> c.contains(marker) && c.contains("--supervise"))
                .orElse(false))
            .forEach(ProcessHandle::destroyForcibly);
        for (final Instance i : new Instances(home).live())
        {
            ProcessHandle.of(i.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
