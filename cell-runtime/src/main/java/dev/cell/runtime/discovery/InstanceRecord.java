package dev.cell.runtime.discovery;

import java.nio.file.Path;

/**
 * One registered instance, as stored in {@code $CELL_HOME/instances/<cell>/<instanceId>.json}.
 *
 * @param cell         the cell's name.
 * @param instanceId   the instance id (unique on the host).
 * @param pid          the instance's process id.
 * @param startEpochMs the process's start time (epoch ms); with the pid it identifies the process.
 * @param runDir       the instance's run folder ({@code <cellDir>/.cell/run/<instanceId>}).
 * @param cellDir      the cell's folder.
 * @param fingerprint  the genome fingerprint, 16 hex digits.
 * @param latency      the idle profile, "eco" or "spin".
 * @param axon         the UDP endpoint remote callers reach it at ({@code host:port}), or null when it takes none.
 * @since 0.1
 */
public record InstanceRecord(
    String cell,
    String instanceId,
    long pid,
    long startEpochMs,
    Path runDir,
    Path cellDir,
    String fingerprint,
    String latency,
    String axon)
{
    /**
     * An instance without an axon.
     *
     * @param cell         the cell's name.
     * @param instanceId   the instance id.
     * @param pid          its process id.
     * @param startEpochMs its process's start time.
     * @param runDir       its run folder.
     * @param cellDir      the cell's folder.
     * @param fingerprint  the genome fingerprint.
     * @param latency      the idle profile.
     */
    public InstanceRecord(
        final String cell,
        final String instanceId,
        final long pid,
        final long startEpochMs,
        final Path runDir,
        final Path cellDir,
        final String fingerprint,
        final String latency)
    {
        this(cell, instanceId, pid, startEpochMs, runDir, cellDir, fingerprint, latency, null);
    }
}
