package dev.cell.tools.bench;

/**
 * One round trip to the system under test, as measured by {@link LatencyHarness}: send a request and wait for its
 * reply. A probe that is called in a hot loop should allocate nothing.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Probe
{
    /**
     * Make one call and return once its reply has arrived.
     *
     * @throws Exception when the call failed; the harness stops and rethrows it.
     */
    void call() throws Exception;
}
