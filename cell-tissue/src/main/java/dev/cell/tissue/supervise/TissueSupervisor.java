package dev.cell.tissue.supervise;

import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.discovery.Dormancy;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.service.IdleTimeout;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.config.LifeCycle;
import dev.cell.tissue.config.Resources;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.config.TissueTree.Node;
import dev.cell.tissue.launch.Cgroups;
import dev.cell.tissue.launch.ConsoleLines;
import dev.cell.tissue.launch.ClassDataSharing;
import dev.cell.tissue.launch.GpuPlan;
import dev.cell.tissue.launch.InstanceLauncher;
import dev.cell.tissue.launch.InstanceLauncher.Launched;
import dev.cell.tissue.launch.Instances;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a tissue: starts its cells children-first (independent cells in parallel, each only after the cells it
 * depends on answer a handshake), restarts crashed instances with exponential back-off, stops a cell whose
 * instances crash more than {@code max_restarts} times within {@code restart_window} (a crash loop) and says why,
 * lets idle instances go dormant and starts them again when a client asks, replaces instances one at a time on
 * {@code cell restart}, and stops everything in reverse dependency order. There is no daemon: the
 * {@code cell mitosis} process (or, detached, the supervisor process it forks) is this object's only home, and
 * its own children are the tissue's instances.
 *
 * @since 0.1
 */
public final class TissueSupervisor implements AutoCloseable
{
    /**
     * Exit status of an instance killed by SIGKILL (the kernel's OOM killer among others).
     */
    static final int EXIT_SIGKILL = 137;

    private final TissueTree tree;
    private final Path cellHome;
    private final Duration readyTimeout;
    private final Progress progress;
    private final InstanceLauncher launcher;
    private final Instances instances;
    private final Cgroups cgroups;
    private final GpuPlan gpus;
    private final Map<String, CellRun> runs = new LinkedHashMap<>();
    private final java.util.Set<Launched> stoppedOnPurpose = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final ArtifactStore artifacts;
    private final Object scaling = new Object();
    private volatile Spawner spawner = Spawner.NONE;
    private volatile boolean stopping;
    private volatile ControlServer control;
    private volatile SupervisorLock lock;
    private volatile AutoCloseable metrics;
    private volatile String metricsAddress = "";

    /**
     * @param tree         the tissue.
     * @param cellHome     the cell home.
     * @param attached     true to forward the instances' output to {@code out}.
     * @param readyTimeout default time an instance may take to become ready.
     * @param out          where progress and (attached) output goes.
     */
    public TissueSupervisor(final TissueTree tree, final Path cellHome, final boolean attached,
        final Duration readyTimeout, final PrintWriter out)
    {
        this(tree, cellHome, attached, readyTimeout, out, null);
    }

    /**
     * @param tree         the tissue.
     * @param cellHome     the cell home.
     * @param attached     true to forward the instances' output to {@code out}.
     * @param readyTimeout default time an instance may take to become ready.
     * @param out          where progress and (attached) output goes.
     * @param console      how attached output is shown; null for raw JSON lines.
     */
    public TissueSupervisor(final TissueTree tree, final Path cellHome, final boolean attached,
        final Duration readyTimeout, final PrintWriter out, final ConsoleLines console)
    {
        this.tree = tree;
        this.cellHome = cellHome;
        this.readyTimeout = readyTimeout;
        this.progress = new Progress(out);
        this.launcher = new InstanceLauncher(cellHome, attached, out, console);
        this.instances = new Instances(cellHome);
        this.cgroups = new Cgroups("cell/" + tree.name() + "-" + ProcessHandle.current().pid());
        this.artifacts = new ArtifactStore(cellHome);
        for (final Node n : tree.cells())
        {
            runs.put(n.cell().name(), new CellRun(n));
        }
        this.gpus = GpuPlan.forTissue(tree.cells(), System.getenv());
    }

    /**
     * @return the cell home its instances register in.
     */
    public Path cellHome()
    {
        return cellHome;
    }

    /**
     * @return the tissue.
     */
    public TissueTree tree()
    {
        return tree;
    }

    /**
     * @return the cgroup hierarchy in use.
     */
    public Cgroups.Mode cgroupMode()
    {
        return cgroups.mode();
    }

    /**
     * Start every cell, children and dependencies first, independent cells in parallel, and wait until all are
     * ready. On failure, everything already started is stopped.
     *
     * @throws UserError naming the cell that failed and why.
     */
    public void start()
    {
        for (final CellRun r : runs.values())
        {
            for (final String orphan : Orphans.reclaim(instances, r.cell.name()))
            {
                progress.update(r.cell.name(), "stopped", "orphan " + orphan);
            }
            deleteDormant(r.cell.name());
        }
        Thread.ofPlatform().daemon(true).name("cell-heartbeats-" + tree.name()).start(new HeartbeatWatch(watched(),
            cellHome));
        cgroups.sweepStale();
        for (final CellRun r : runs.values())
        {
            instances.recordCell(r.cell.name(), r.cell.dir());
            artifacts.markRun(r.cell);
            Thread.ofVirtual().name("start-" + r.cell.name()).start(() -> startCell(r));
        }
        try
        {
            CompletableFuture.allOf(runs.values().stream().map(r -> r.ready).toArray(CompletableFuture[]::new))
                .get();
        }
        catch (final InterruptedException ex)
        {
            close();
            throw new UserError("interrupted while starting the tissue; every instance started was stopped", ex);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            close();
            throw ex.getCause() instanceof UserError u ? u : new UserError(String.valueOf(ex.getCause()), ex);
        }
    }

    private void startCell(final CellRun r)
    {
        try
        {
            final List<Node> deps = tree.dependencies(r.node);
            if (!deps.isEmpty())
            {
                progress.update(r.cell.name(), "waiting", "for " + deps.stream().map(d -> d.cell().name()).toList());
                for (final Node d : deps)
                {
                    runs.get(d.cell().name()).ready.join();
                    handshake(d.cell().name());
                }
            }
            final List<CompletableFuture<Void>> slots = new ArrayList<>();
            for (final Slot s : r.slots)
            {
                slots.add(CompletableFuture.runAsync(() -> startUntilReady(s),
                    runnable -> Thread.ofVirtual().start(runnable)));
            }
            CompletableFuture.allOf(slots.toArray(CompletableFuture[]::new)).join();
            handshake(r.cell.name());
            r.state = State.READY;
            r.ready.complete(null);
        }
        catch (final RuntimeException | Error ex)
        {
            final Throwable cause = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null ?
                ex.getCause() : ex;
            r.ready.completeExceptionally(cause instanceof UserError ? cause :
                new UserError("cell '" + r.cell.name() + "' did not start: " + cause.getMessage(), cause));
        }
    }

    /**
     * Start one slot; an instance that exits before it is ready counts as a crash and is retried with back-off
     * until the cell's crash budget is spent.
     */
    private void startUntilReady(final Slot s)
    {
        while (true)
        {
            if (stopping || s.run.state == State.FAILED)
            {
                throw new UserError("cell '" + s.run.cell.name() + "' was stopped while starting" +
                    (s.run.reason.isEmpty() ? "" : ": " + s.run.reason));
            }
            final Launched l = launch(s);
            try
            {
                launcher.awaitReady(l, instances, readyTimeout(s.run));
                s.state = State.READY;
                if (s.exitedAtNs != 0)
                {
                    s.recoveryMs = (System.nanoTime() - s.exitedAtNs) / 1_000_000L;
                    s.exitedAtNs = 0;
                }
                progress.update(s.run.cell.name(), "ready", l.label());
                l.process().onExit().thenRun(() -> Thread.ofVirtual().start(() -> onExit(s, l)));
                return;
            }
            catch (final UserError ex)
            {
                l.process().destroyForcibly();
                waitQuietly(l);
                s.lastExit = exitText(s, l);
                cleanUp(s);
                if (!crashed(s, "crashed on start (" + s.lastExit + ")"))
                {
                    throw new UserError(s.run.reason + "\n" + ex.getMessage());
                }
                sleepBackoff(s);
            }
        }
    }

    private Launched launch(final Slot s)
    {
        final CellRun r = s.run;
        s.generation++;
        final GpuPlan.Assignment gpu = gpus.assignment(r.cell.name(), s.index);
        final Cgroups.Enforcement cg = cgroups.create(r.cell.name() + "-" + s.index + "-" + s.generation,
            r.node.resources());
        final Cgroups.Enforcement enf = gpu == null ? cg : cg.withNote(Resources.Kind.GPU, gpu.note());
        s.enforcement = enf;
        s.gpu = gpu;
        final List<String> extra = new ArrayList<>(enf.jvmFlags());
        if (!r.node.lifeCycle().idleTimeout().isZero())
        {
            extra.add("-D" + IdleTimeout.PROPERTY + "=" + r.node.lifeCycle().idleTimeout().toMillis());
        }
        extra.addAll(ClassDataSharing.flags(r.cell, s.index));
        s.state = State.STARTING;
        final Launched l = launcher.start(r.cell, Cgroups.wrap(enf, InstanceLauncher.command(r.cell, extra)),
            gpu == null ? Map.of() : gpu.env());
        s.current = l;
        progress.update(r.cell.name(), "starting", l.label() + (s.restarts > 0 ? ", restart " + s.restarts : ""));
        return l;
    }

    private Duration readyTimeout(final CellRun r)
    {
        final Duration d = r.node.lifeCycle().readyTimeout();
        return d != null ? d : readyTimeout;
    }

    private void onExit(final Slot s, final Launched l)
    {
        if (s.current != l || stoppedOnPurpose.contains(l))
        {
            return;
        }
        final int code = l.process().exitValue();
        s.lastExit = exitText(s, l);
        cleanUp(s);
        if (stopping || s.state == State.STOPPED || s.state == State.FAILED || s.replacing)
        {
            return;
        }
        if (code == IdleTimeout.EXIT_STATUS)
        {
            s.state = State.DORMANT;
            progress.update(s.run.cell.name(), "dormant", l.label() + " stopped itself after idle_timeout " +
                Durations.human(s.run.node.lifeCycle().idleTimeout()));
            if (s.run.slots.stream().allMatch(x -> x.state == State.DORMANT))
            {
                s.run.state = State.DORMANT;
                writeDormant(s.run.cell.name());
            }
            return;
        }
        s.exitedAtNs = System.nanoTime();
        progress.update(s.run.cell.name(), "crashed", l.label() + " " + s.lastExit);
        if (!crashed(s, "instance " + l.label() + " " + s.lastExit))
        {
            return;
        }
        sleepBackoff(s);
        try
        {
            startUntilReady(s);
        }
        catch (final UserError ex)
        {
            progress.update(s.run.cell.name(), "failed", s.run.reason);
        }
    }

    /**
     * Count a crash; on a crash loop stop the whole cell.
     *
     * @return true when the slot may be restarted.
     */
    private boolean crashed(final Slot s, final String what)
    {
        final CellRun r = s.run;
        final LifeCycle lc = r.node.lifeCycle();
        synchronized (r)
        {
            if (r.state == State.FAILED)
            {
                return false;
            }
            final RestartPolicy.Decision decision = r.policy.crashed(s.streak);
            if (!decision.restart())
            {
                r.state = State.FAILED;
                r.reason = "cell '" + r.cell.name() + "' stopped: crash loop, " + decision.crashes() +
                    " crashes within " + Durations.human(lc.restartWindow()) + " (max_restarts = " +
                    lc.maxRestarts() + "); last: " + what + logHint(r);
                for (final Slot other : r.slots)
                {
                    other.state = State.FAILED;
                    final Launched o = other.current;
                    if (o != null && o.process().isAlive())
                    {
                        o.process().destroy();
                    }
                }
                progress.update(r.cell.name(), "failed", r.reason);
                return false;
            }
            s.backoffMs = decision.delay().toMillis();
            r.restarts++;
            s.restarts++;
            s.state = State.BACKOFF;
            return true;
        }
    }

    private void sleepBackoff(final Slot s)
    {
        final long delayMs = s.backoffMs;
        progress.update(s.run.cell.name(), "backoff", "restarting in " + delayMs + " ms");
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMs));
    }

    private String exitText(final Slot s, final Launched l)
    {
        final int code = l.process().exitValue();
        if (s.hung == l)
        {
            return "was hung (" + s.hungDetail + ") and was killed (SIGKILL)";
        }
        final Cgroups.Enforcement enf = s.enforcement;
        if (code == EXIT_SIGKILL && enf != null && Cgroups.memoryLimitHit(enf))
        {
            return "exited with code " + code + ": memory limit exceeded (killed by the kernel at " +
                Resources.bytes((long)s.run.node.resources().max(Resources.Kind.MEMORY)) + ", " + cgroups.mode()
                .name().toLowerCase(Locale.ROOT) + " cgroup)";
        }
        if (code == EXIT_SIGKILL)
        {
            return "was killed (SIGKILL, exit code 137)";
        }
        return "exited with code " + code;
    }

    private static String logHint(final CellRun r)
    {
        return "; see `cell logs " + r.cell.name() + "` and " + Instances.logDir(r.cell.dir());
    }

    private void cleanUp(final Slot s)
    {
        final Cgroups.Enforcement enf = s.enforcement;
        if (enf != null)
        {
            Cgroups.remove(enf);
        }
        instances.live(s.run.cell.name());
    }

    private void handshake(final String cell)
    {
        final ClientOptions options = ClientOptions.defaults().withCellHome(cellHome)
            .withConnectTimeout(Duration.ofSeconds(10));
        try (CellConnection c = CellConnection.connect(cell, 0L, options))
        {
            c.instanceId();
        }
        catch (final RuntimeException | LinkageError ex)
        {
            throw new UserError("cell '" + cell + "' did not answer a handshake: " + ex, ex);
        }
    }

    /**
     * Start a dormant cell's instances again (called through the control port by a client that found no live
     * instance). Returns at once; the client polls the registry.
     *
     * @param cell the cell.
     * @return what happened.
     */
    public String wake(final String cell)
    {
        final CellRun r = runs.get(cell);
        if (r == null)
        {
            return "error: no cell '" + cell + "' in tissue " + tree.name();
        }
        synchronized (r)
        {
            if (r.state != State.DORMANT)
            {
                return "ok: " + cell + " is " + r.state.lower();
            }
            r.state = State.STARTING;
        }
        final long t0 = System.nanoTime();
        for (final Slot s : r.slots)
        {
            if (s.state == State.DORMANT)
            {
                Thread.ofVirtual().name("wake-" + cell).start(() ->
                {
                    try
                    {
                        startUntilReady(s);
                        synchronized (r)
                        {
                            if (r.state == State.STARTING)
                            {
                                r.state = State.READY;
                                r.lastColdStartNs = System.nanoTime() - t0;
                                deleteDormant(cell);
                                progress.update(cell, "ready", "woken in " +
                                    String.format(Locale.ROOT, "%.0f ms", r.lastColdStartNs / 1e6));
                            }
                        }
                    }
                    catch (final UserError ex)
                    {
                        progress.update(cell, "failed", ex.getMessage());
                    }
                });
            }
        }
        return "ok: starting " + cell;
    }

    /**
     * Replace a cell's instances one at a time: start a new one, wait until it is ready, then stop an old one.
     *
     * @param cell the cell.
     * @return a report line per replaced instance.
     * @throws UserError when the cell is unknown or a new instance does not become ready.
     */
    public List<String> restart(final String cell)
    {
        final CellRun r = runs.get(cell);
        if (r == null)
        {
            throw new UserError("no cell '" + cell + "' in tissue " + tree.name() + "; its cells: " + runs.keySet());
        }
        final List<String> report = new ArrayList<>();
        for (final Slot s : r.slots)
        {
            final Launched old = s.current;
            final Slot fresh = new Slot(r, s.index);
            fresh.generation = s.generation + 100;
            final Launched l = launch(fresh);
            launcher.awaitReady(l, instances, readyTimeout(r));
            s.replacing = true;
            if (old != null && old.process().isAlive())
            {
                stoppedOnPurpose.add(old);
                old.process().destroy();
                waitQuietly(old);
            }
            final Cgroups.Enforcement oldEnf = s.enforcement;
            if (oldEnf != null)
            {
                Cgroups.remove(oldEnf);
            }
            s.enforcement = fresh.enforcement;
            s.gpu = fresh.gpu;
            s.generation = fresh.generation;
            s.current = l;
            s.state = State.READY;
            s.replacing = false;
            l.process().onExit().thenRun(() -> Thread.ofVirtual().start(() -> onExit(s, l)));
            report.add("replaced " + (old == null ? "(none)" : old.label()) + " with " + l.label());
            progress.update(cell, "ready", "rolled " + (old == null ? "" : old.label() + " -> ") + l.label());
        }
        r.state = State.READY;
        return report;
    }

    /**
     * Stop one cell's instances and keep it stopped (no restart), leaving the rest of the tissue running.
     *
     * @param cell the cell.
     * @return what was stopped.
     */
    public String stopCell(final String cell)
    {
        final CellRun r = runs.get(cell);
        if (r == null)
        {
            throw new UserError("no cell '" + cell + "' in tissue " + tree.name());
        }
        final List<String> stopped = new ArrayList<>();
        for (final Slot s : r.slots)
        {
            final String label = stopSlot(s);
            if (label != null)
            {
                stopped.add(label);
            }
        }
        r.state = State.STOPPED;
        deleteDormant(cell);
        progress.update(cell, "stopped", String.join(", ", stopped));
        return "ok: stopped " + cell + " " + stopped;
    }

    /**
     * Scale a cell to a number of instances, as {@code replicas = N} in its parent's {@code cell.toml} would, with
     * the same checks: at most {@value TissueConfig#MAX_REPLICAS}, and within every resource budget above it. New
     * instances are started and awaited like any; removed ones (the highest slots) are stopped gracefully. 0 stops
     * the cell; {@code cell.toml} is not changed (a restart of the tissue starts what it says).
     *
     * @param caller   the cell asking (it may only scale cells below it in the tree), or null for the user.
     * @param cell     the cell to scale.
     * @param replicas how many instances it should run.
     * @return what changed.
     * @throws UserError when the cell is unknown, not the caller's, stateful, or the count is refused.
     */
    public String scale(final String caller, final String cell, final int replicas)
    {
        final CellRun r = runs.get(cell);
        if (r == null)
        {
            throw new UserError("no cell '" + cell + "' in tissue " + tree.name() + "; its cells: " +
                String.join(", ", runs.keySet()));
        }
        if (caller != null && !below(runs.get(caller), r.node))
        {
            throw new UserError("cell '" + caller + "' cannot scale '" + cell + "': a cell manages the cells " +
                "below it in the tissue tree ([cells] of its cell.toml), and '" + cell + "' is not one of them");
        }
        if (r.cell.declaresState())
        {
            throw new UserError("cell '" + cell + "' is stateful: its instances are the replicas of its Raft group " +
                "([state] replicas = " + r.cell.stateReplicas() + " in " + r.cell.file() + "), not scaled");
        }
        if (replicas < 0 || replicas > TissueConfig.MAX_REPLICAS)
        {
            throw new UserError("cannot scale '" + cell + "' to " + replicas + ": replicas must be from 0 to " +
                TissueConfig.MAX_REPLICAS);
        }
        synchronized (scaling) // one scale at a time: each checks the budgets against the others' counts
        {
            final Map<String, Integer> counts = new LinkedHashMap<>();
            runs.forEach((name, run) -> counts.put(name, run.slots.size()));
            counts.put(cell, replicas);
            try
            {
                tree.checkReplicas(counts);
                gpus.reserveAll(List.of(new GpuPlan.Ask(cell, r.node.resources(), replicas)));
            }
            catch (final UserError ex)
            {
                throw new UserError("cannot scale '" + cell + "' to " + replicas + ": " + ex.getMessage(), ex);
            }
            final int before = r.slots.size();
            final List<CompletableFuture<Void>> started = new ArrayList<>();
            for (int i = before; i < replicas; i++)
            {
                final Slot s = new Slot(r, i);
                r.slots.add(s);
                started.add(CompletableFuture.runAsync(() -> startUntilReady(s),
                    runnable -> Thread.ofVirtual().start(runnable)));
            }
            final List<String> stopped = new ArrayList<>();
            while (r.slots.size() > replicas)
            {
                final Slot s = r.slots.removeLast();
                final String label = stopSlot(s);
                if (label != null)
                {
                    stopped.add(label);
                }
            }
            gpus.release(cell, replicas);
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
            r.state = replicas == 0 ? State.STOPPED : State.READY;
            progress.update(cell, "scaled", before + " -> " + replicas + " instance(s)" +
                (caller == null ? "" : " by " + caller) + (stopped.isEmpty() ? "" : ", stopped " + stopped));
            return "ok: scaled " + cell + " from " + before + " to " + replicas;
        }
    }

    private static boolean below(final CellRun caller, final Node target)
    {
        if (caller == null)
        {
            return false;
        }
        final java.util.Deque<Node> todo = new ArrayDeque<>(caller.node.children());
        final java.util.Set<Node> seen = new java.util.HashSet<>();
        while (!todo.isEmpty())
        {
            final Node n = todo.pop();
            if (n == target)
            {
                return true;
            }
            if (seen.add(n))
            {
                todo.addAll(n.children());
            }
        }
        return false;
    }

    /**
     * Stop one slot's instance gracefully (SIGTERM, SIGKILL after {@link Instances#STOP_GRACE}).
     *
     * @return its label, or null when it was not running.
     */
    private String stopSlot(final Slot s)
    {
        s.state = State.STOPPED;
        final Launched l = s.current;
        if (l == null || !l.process().isAlive())
        {
            return null;
        }
        stoppedOnPurpose.add(l);
        l.process().destroy();
        try
        {
            if (!l.process().waitFor(Instances.STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS))
            {
                l.process().destroyForcibly();
                waitQuietly(l);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return l.label();
    }

    /**
     * Stop every instance: dependents before what they depend on (the reverse of the start order), each cell's
     * instances together; SIGTERM, then SIGKILL after {@link Instances#STOP_GRACE}. Removes dormant entries and
     * cgroups.
     */
    @Override
    public void close()
    {
        stopping = true;
        final AutoCloseable m = metrics;
        if (m != null)
        {
            try
            {
                m.close();
            }
            catch (final Exception ignore)
            {
                // Stopping anyway; its port is released when this process ends.
            }
        }
        final List<CellRun> order = new ArrayList<>(runs.values());
        java.util.Collections.reverse(order);
        for (final CellRun r : order)
        {
            final List<Launched> alive = new ArrayList<>();
            for (final Slot s : r.slots)
            {
                s.state = s.state == State.FAILED ? State.FAILED : State.STOPPED;
                final Launched l = s.current;
                if (l != null && l.process().isAlive())
                {
                    l.process().destroy();
                    alive.add(l);
                }
            }
            final long deadline = System.nanoTime() + Instances.STOP_GRACE.toNanos();
            for (final Launched l : alive)
            {
                try
                {
                    if (!l.process().waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))
                    {
                        l.process().destroyForcibly();
                        l.process().waitFor(5, TimeUnit.SECONDS);
                        progress.update(r.cell.name(), "killed", l.label() + " ignored SIGTERM for " +
                            Durations.human(Instances.STOP_GRACE));
                    }
                    else
                    {
                        progress.update(r.cell.name(), "stopped", l.label());
                    }
                }
                catch (final InterruptedException ex)
                {
                    l.process().destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
            for (final Slot s : r.slots)
            {
                if (s.enforcement != null)
                {
                    Cgroups.remove(s.enforcement);
                }
            }
            deleteDormant(r.cell.name());
            if (r.state != State.FAILED)
            {
                r.state = State.STOPPED;
            }
        }
        for (final Launched l : launcher.launched())
        {
            if (l.process().isAlive())
            {
                l.process().destroyForcibly();
                waitQuietly(l);
            }
        }
        cgroups.removeGroup();
        instances.live();
        final SupervisorLock held = lock;
        if (held != null)
        {
            held.close();
        }
    }

    private HeartbeatWatch.Supervised watched()
    {
        return new HeartbeatWatch.Supervised()
        {
            @Override
            public boolean watching()
            {
                return !stopping;
            }

            @Override
            public Iterable<HeartbeatWatch.Watched> ready()
            {
                final List<HeartbeatWatch.Watched> ready = new ArrayList<>();
                for (final CellRun r : runs.values())
                {
                    for (final Slot s : r.slots)
                    {
                        final Launched l = s.current;
                        if (s.state == State.READY && !s.replacing && l != null && s.hung != l)
                        {
                            ready.add(new HeartbeatWatch.Watched(s, l, r.node.lifeCycle().hungTimeout()));
                        }
                    }
                }
                return ready;
            }

            @Override
            public void hung(final HeartbeatWatch.Watched w, final long ageMs)
            {
                killHung((Slot)w.slot(), w.launched(), ageMs, w.timeout());
            }
        };
    }

    /**
     * An instance stopped heartbeating while serving: log {@code instance.hung} (progress and the instance's own
     * log), kill it with SIGKILL (a stopped or deadlocked JVM cannot run a clean stop); its exit then counts as a
     * crash and it is restarted like any crashed instance.
     */
    private void killHung(final Slot s, final Launched l, final long ageMs, final Duration timeout)
    {
        synchronized (s.run)
        {
            if (stopping || s.current != l || s.state != State.READY || s.hung == l)
            {
                return;
            }
            s.hungDetail = "no heartbeat for " + ageMs + " ms, hung_timeout " + timeout.toMillis() + " ms";
            s.hung = l;
        }
        progress.update(s.run.cell.name(), "hung", l.label() + " " + s.hungDetail + "; killing it (SIGKILL) to " +
            "restart it");
        final Path logFile = dev.cell.runtime.log.JsonLinesLog.logFile(s.run.cell.dir(), l.label());
        try (dev.cell.runtime.log.JsonLinesLog log = new dev.cell.runtime.log.JsonLinesLog(s.run.cell.name(),
            l.label(), logFile, null, dev.cell.runtime.log.CellLog.Level.INFO))
        {
            log.warn("instance.hung", "pid", l.process().pid(), "heartbeatAgeMs", ageMs, "hungTimeoutMs",
                timeout.toMillis(), "action", "killed (SIGKILL) by its supervisor, restarting");
        }
        catch (final IOException ex)
        {
            progress.update(s.run.cell.name(), "hung", "cannot write " + logFile + ": " + ex.getMessage());
        }
        l.process().destroyForcibly();
    }

    /**
     * Start a local instance of a dependency a cell of this tissue finds too far ({@code spawn <dep> <caller>} on
     * the control port, from that cell's racing client).
     *
     * @param caller the cell asking.
     * @param dep    the dependency's name in its {@code [deps]}.
     * @return the spawner's answer.
     * @throws UserError when the caller is not a cell of this tissue, has no such dependency, its policy does not
     *                   allow spawning, or the spawn fails.
     */
    public String spawn(final String caller, final String dep)
    {
        final CellRun r = runs.get(caller);
        if (r == null)
        {
            throw new UserError("no cell '" + caller + "' in tissue " + tree.name());
        }
        final String plain = dep.replaceFirst("@[0-9]+$", "");
        final CellDeps.Dep entry = r.cell.remoteDeps().stream()
            .filter(d -> d.name().equals(dep) || d.name().equals(plain)).findFirst().orElse(null);
        if (entry == null || entry.policy() == null || !entry.policy().autoSpawn())
        {
            throw new UserError("cell '" + caller + "' may not spawn '" + dep + "': its [deps] entry in " +
                r.cell.file() + " has no policy with auto_spawn = true");
        }
        progress.update(caller, "spawning", dep + " (too far)");
        final String answer = spawner.spawn(r.cell, entry);
        progress.update(caller, "spawned", dep + ": " + answer);
        return answer;
    }

    /**
     * @param value how this supervisor spawns too-far dependencies (set before {@link #start}).
     */
    public void spawner(final Spawner value)
    {
        spawner = value == null ? Spawner.NONE : value;
    }

    /**
     * @param value the tissue's lock, held until {@link #close()}.
     */
    public void lock(final SupervisorLock value)
    {
        this.lock = value;
    }

    /**
     * @return true once every cell has failed or stopped (nothing left to supervise).
     */
    public boolean allDone()
    {
        return runs.values().stream().allMatch(r -> r.state == State.FAILED || r.state == State.STOPPED);
    }

    /**
     * @return true when some cell crash-looped.
     */
    public boolean anyFailed()
    {
        return runs.values().stream().anyMatch(r -> r.state == State.FAILED);
    }

    /**
     * @param value the control server answering for this supervisor.
     */
    public void control(final ControlServer value)
    {
        this.control = value;
    }

    /**
     * @param server  the tissue's scrape endpoint, closed with this supervisor.
     * @param address where it listens ({@code host:port}), advertised in the status and the supervisor's entry.
     */
    public void metrics(final AutoCloseable server, final String address)
    {
        this.metrics = server;
        this.metricsAddress = address;
    }

    /**
     * @return where the tissue's scrape endpoint listens ({@code host:port}), empty without one.
     */
    public String metricsAddress()
    {
        return metricsAddress;
    }

    /**
     * @return every state a cell can be in, as {@link #status()} names them.
     */
    public static List<String> stateNames()
    {
        return java.util.Arrays.stream(State.values()).map(State::lower).toList();
    }

    /**
     * @return the state of every cell and instance, as {@code cell status} shows it (see {@link SupervisorStatus}),
     * and the scrape endpoint's address under {@code metrics}.
     */
    public Map<String, Object> status()
    {
        final Map<String, Object> m = SupervisorStatus.of(tree, cgroups, runs.values());
        m.put("metrics", metricsAddress);
        return m;
    }

    private void writeDormant(final String cell)
    {
        final ControlServer c = control;
        if (c == null)
        {
            return;
        }
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("cell", cell);
        json.put("port", (long)c.port());
        json.put("token", c.token());
        json.put("supervisorPid", ProcessHandle.current().pid());
        final Path file = Dormancy.file(cellHome, cell);
        try
        {
            // The token lets its reader stop the whole tissue: created 0600, like the supervisor's entry.
            PrivateFiles.write(file, Json.write(json) + "\n");
        }
        catch (final IOException ex)
        {
            progress.update(cell, "dormant", "cannot write " + file + " (" + ex.getMessage() + "); calls will not " +
                "wake it");
        }
    }

    private void deleteDormant(final String cell)
    {
        try
        {
            Files.deleteIfExists(Dormancy.file(cellHome, cell));
        }
        catch (final IOException ignore)
        {
            // Gone already.
        }
    }

    private static void waitQuietly(final Launched l)
    {
        try
        {
            l.process().waitFor(Instances.STOP_GRACE.toSeconds() + 5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
