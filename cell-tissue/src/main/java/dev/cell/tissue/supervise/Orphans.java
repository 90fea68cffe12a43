package dev.cell.tissue.supervise;

import dev.cell.ring.Liveness;
import dev.cell.runtime.service.CellMain;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.launch.InstanceLauncher;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Instances whose supervisor died. Each instance stops by itself within about 200 ms of its supervisor's death
 * (see {@link CellMain}); a new {@code cell mitosis} of the tissue still finds those that have not finished
 * stopping (or that could not notice: a stopped process, an instance of an older Cell) and stops them before it
 * starts anything, so a cell never runs twice. An instance's supervisor is read from its command line
 * ({@code -Dcell.supervisor.pid=… -Dcell.supervisor.start=…}, which {@link InstanceLauncher} passes).
 *
 * @since 0.1
 */
public final class Orphans
{
    private static final String PID_FLAG = "-D" + CellMain.SUPERVISOR_PID_PROPERTY + "=";
    private static final String START_FLAG = "-D" + CellMain.SUPERVISOR_START_PROPERTY + "=";

    /**
     * The supervisor an instance names.
     *
     * @param pid          its pid.
     * @param startEpochMs its start time, 0 when not given.
     */
    public record Owner(long pid, long startEpochMs)
    {
        public boolean alive()
        {
            return Liveness.isAlive(pid, startEpochMs);
        }
    }

    private Orphans()
    {
    }

    /**
     * @param arguments an instance's JVM arguments.
     * @return the supervisor they name, if any.
     */
    public static Optional<Owner> owner(final List<String> arguments)
    {
        long pid = -1;
        long start = 0;
        for (final String a : arguments)
        {
            try
            {
                if (a.startsWith(PID_FLAG))
                {
                    pid = Long.parseLong(a.substring(PID_FLAG.length()).strip());
                }
                else if (a.startsWith(START_FLAG))
                {
                    start = Long.parseLong(a.substring(START_FLAG.length()).strip());
                }
            }
            catch (final NumberFormatException ignore)
            {
                // Not a supervisor flag this command wrote.
            }
        }
        return pid > 0 ? Optional.of(new Owner(pid, start)) : Optional.empty();
    }

    /**
     * @param pid a running process.
     * @return the supervisor its command line names, if it can be read and names one.
     */
    public static Optional<Owner> ownerOf(final long pid)
    {
        final Optional<ProcessHandle.Info> info = ProcessHandle.of(pid).map(ProcessHandle::info);
        if (info.isEmpty())
        {
            return Optional.empty();
        }
        final Optional<String[]> args = info.get().arguments();
        if (args.isPresent())
        {
            return owner(List.of(args.get()));
        }
        return info.get().commandLine().flatMap(c -> owner(List.of(c.split(" "))));
    }

    /**
     * Make sure no instance of a cell runs before a supervisor starts it: stop the ones whose supervisor is gone
     * (SIGTERM, then SIGKILL after {@link Instances#STOP_GRACE}); refuse when one runs under a live supervisor or
     * none at all (started by hand).
     *
     * @param instances the registry.
     * @param cell      the cell.
     * @return a line per stopped orphan.
     * @throws UserError when a live instance is not an orphan.
     */
    public static List<String> reclaim(final Instances instances, final String cell)
    {
        final List<Instance> live = instances.live(cell);
        final List<Instance> orphans = new ArrayList<>();
        final List<String> report = new ArrayList<>();
        for (final Instance i : live)
        {
            final Optional<Owner> owner = ownerOf(i.pid());
            if (owner.isEmpty())
            {
                throw new UserError("cell '" + cell + "' is already running on this host (" + i.instanceId() +
                    " pid " + i.pid() + ", not started by a cell mitosis); stop it with `cell stop " + cell +
                    "` first");
            }
            if (owner.get().pid() == Liveness.currentPid() || owner.get().alive())
            {
                throw new UserError("cell '" + cell + "' is already running on this host (" + i.instanceId() +
                    " pid " + i.pid() + ", supervised by pid " + owner.get().pid() + "); stop it with `cell stop " +
                    cell + "` first");
            }
            orphans.add(i);
            report.add(i.instanceId() + " (pid " + i.pid() + ", left by supervisor pid " + owner.get().pid() +
                ", which is gone)");
        }
        if (!orphans.isEmpty())
        {
            for (final Instances.Stopped s : Instances.stop(orphans))
            {
                if (s.killed())
                {
                    report.add(s.instance().instanceId() + " ignored SIGTERM for " +
                        Durations.human(Instances.STOP_GRACE) + " and was killed");
                }
            }
            instances.live(cell);
        }
        return report;
    }
}
