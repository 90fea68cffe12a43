package dev.cell.cli;

import dev.cell.ring.InstanceFile;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.launch.InstanceLauncher;
import dev.cell.tissue.supervise.HeartbeatWatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The supervisor's heartbeat watch over an instance file written here, on a clock the test drives: a heartbeat
 * that stops moving while serving is hung after the timeout; one that moves (even far in the past by the wall
 * clock) or an instance that is not serving is not.
 */
@Timeout(60)
class HeartbeatWatchTest
{
    private static final long MS = 1_000_000L;

    @TempDir
    Path tmp;

    private Process process;

    @AfterEach
    void tearDown()
    {
        if (process != null)
        {
            process.destroyForcibly();
        }
    }

    @Test
    void aHeartbeatThatStopsMovingIsHungAfterTheTimeoutMeasuredFromItsLastChange() throws Exception
    {
        final Path home = tmp.resolve("home");
        final Path cellDir = ProbeBinding.cellFolder(Files.createDirectories(tmp.resolve("probe")), "");
        final Path runDir = Files.createDirectories(cellDir.resolve(".cell/run/probe-1"));
        process = new ProcessBuilder("sleep", "60").start();
        InstanceRegistry.register(home, new InstanceRecord("probe", "probe-1", process.pid(),
            process.info().startInstant().orElseThrow().toEpochMilli(), runDir, cellDir, "00000000000000ee", "eco"));
        final InstanceLauncher.Launched launched = new InstanceLauncher.Launched(new TissueConfig.CellSpec("probe",
            cellDir, cellDir.resolve("cell.toml"), 1, dev.cell.runtime.IdleProfile.ECO), process, null);
        final List<Long> hung = new ArrayList<>();
        final HeartbeatWatch watch = new HeartbeatWatch(new HeartbeatWatch.Supervised()
        {
            @Override
            public boolean watching()
            {
                return true;
            }

            @Override
            public Iterable<HeartbeatWatch.Watched> ready()
            {
                return List.of(new HeartbeatWatch.Watched("slot", launched, Duration.ofMillis(500)));
            }

            @Override
            public void hung(final HeartbeatWatch.Watched w, final long ageMs)
            {
                hung.add(ageMs);
            }
        }, home);
        try (InstanceFile file = InstanceFile.create(runDir, 0xee, InstanceFile.DEFAULT_ACCEPT_CAPACITY))
        {
            file.state(InstanceFile.STATE_SERVING);
            file.heartbeat(1_000);                 // far in the past by the wall clock: only its movement counts
            watch.check(0);
            for (long t = 100; t <= 2_000; t += 100)
            {
                file.heartbeat(1_000 + t);
                watch.check(t * MS);
            }
            assertEquals(List.of(), hung, "a moving heartbeat is alive, whatever its epoch value");

            watch.check(2_400 * MS);
            assertEquals(List.of(), hung, "400 ms without a change is within the timeout");
            watch.check(2_600 * MS);
            assertEquals(List.of(600L), hung, "600 ms without a change");

            file.state(InstanceFile.STATE_STOPPING);
            watch.check(2_700 * MS);
            watch.check(9_000 * MS);
            assertEquals(1, hung.size(), "a stopping instance writes no heartbeat and is not hung: " + hung);
            file.state(InstanceFile.STATE_SERVING);
            watch.check(9_100 * MS);
            watch.check(9_500 * MS);
            assertEquals(1, hung.size(), "measured from when it was seen serving again");
            watch.check(9_700 * MS);
            assertEquals(2, hung.size());
            assertTrue(hung.get(1) >= 500, hung.toString());
        }
    }
}
