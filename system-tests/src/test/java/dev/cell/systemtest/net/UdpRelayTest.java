package dev.cell.systemtest.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay on loopback, in-process and as a process; needs no namespaces.
 */
class UdpRelayTest
{
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final Pattern COUNTERS = Pattern.compile(
        "relay counters forwarded-out=(\\d+) dropped-out=(\\d+) forwarded-back=(\\d+) dropped-back=(\\d+) " +
        "unsent=(\\d+)");

    @Test
    void withoutLossForwardsEverythingBothWays(@TempDir final Path dir) throws IOException
    {
        final Path captured = dir.resolve("payloads.bin");
        final UdpEcho echo = UdpEcho.start(ANY_LOOPBACK);
        final UdpRelay relay;
        try
        {
            relay = UdpRelay.start(new UdpRelay.Config(ANY_LOOPBACK, echo.address(), 0.0, 0, 1L, captured));
            try
            {
                final UdpProbe.Result result = UdpProbe.run(relay.listenAddress(), 200, "plain", 1000, 50);
                assertEquals(new UdpProbe.Result(200, 200, 0), result);
            }
            finally
            {
                relay.close();
            }
        }
        finally
        {
            echo.close();
        }
        assertEquals(new UdpRelay.Counters(200, 0, 200, 0, 0), relay.counters(), "final once closed");
        assertEquals(200, echo.echoed());
        final byte[] bytes = Files.readAllBytes(captured);
        final String text = new String(bytes, StandardCharsets.US_ASCII);
        assertTrue(text.contains("plain 0") && text.contains("plain 199"), "capture holds the payloads");
        assertEquals(2 * payloadBytes("plain", 200), bytes.length, "every payload, both directions, once");
    }

    @Test
    void aSeedReproducesTheDropsOfEachDirection() throws IOException
    {
        final long seed = 0x5eed_0001L;
        System.out.println("relay seed=" + seed);
        final UdpRelay.Counters first = lossyRun(seed);
        final UdpRelay.Counters second = lossyRun(seed);
        assertEquals(first, second);
        assertEquals(300, first.forwardedOut() + first.droppedOut());
        assertTrue(first.droppedOut() > 60 && first.droppedOut() < 240, first.toString());
        assertTrue(first.droppedBack() > 0 && first.forwardedBack() > 0, first.toString());
    }

    @Test
    void delaysEachDirection() throws IOException
    {
        final long delayMicros = 40_000;
        try (UdpEcho echo = UdpEcho.start(ANY_LOOPBACK);
            UdpRelay relay = UdpRelay.start(new UdpRelay.Config(ANY_LOOPBACK, echo.address(), 0.0, delayMicros, 1L,
                null)))
        {
            final long start = System.nanoTime();
            final UdpProbe.Result result = UdpProbe.run(relay.listenAddress(), 3, "slow", 5000, 0);
            final long elapsedMicros = (System.nanoTime() - start) / 1000;
            assertEquals(3, result.received());
            assertTrue(elapsedMicros >= 3 * 2 * delayMicros, "three round trips through two delays: " + elapsedMicros);
        }
    }

    @Test
    void runsAsAProcessAndReportsCountersOnTerm() throws IOException
    {
        try (UdpEcho echo = UdpEcho.start(ANY_LOOPBACK))
        {
            final long seed = 42;
            System.out.println("relay seed=" + seed);
            final Child relay = Child.start("relay", Child.java(UdpRelay.class, List.of(
                "--listen", "127.0.0.1:0", "--target", UdpRelayArgs.text(echo.address()), "--loss", "0", "--seed",
                Long.toString(seed))), Map.of());
            try
            {
                relay.awaitLine(Pattern.compile("relay seed=42$"), Duration.ofSeconds(30));
                final String ready = relay.awaitLine(Pattern.compile("relay ready listen="), Duration.ofSeconds(30));
                final Matcher listen = Pattern.compile("listen=(\\S+)").matcher(ready);
                assertTrue(listen.find(), ready);
                final UdpProbe.Result result = UdpProbe.run(UdpRelayArgs.address(listen.group(1)), 10, "proc", 5000, 0);
                assertEquals(10, result.received(), result.toString());
            }
            finally
            {
                relay.close();
            }
            final Matcher counters = COUNTERS.matcher(relay.output());
            assertTrue(counters.find(), relay.output());
            assertEquals("10", counters.group(1));
            assertEquals("10", counters.group(3));
        }
    }

    private static UdpRelay.Counters lossyRun(final long seed) throws IOException
    {
        try (UdpEcho echo = UdpEcho.start(ANY_LOOPBACK))
        {
            final UdpRelay relay = UdpRelay.start(new UdpRelay.Config(ANY_LOOPBACK, echo.address(), 0.5, 0, seed,
                null));
            final UdpProbe.Result result;
            try
            {
                result = UdpProbe.run(relay.listenAddress(), 300, "lossy", 2, 300);
            }
            finally
            {
                relay.close();
            }
            final UdpRelay.Counters counters = relay.counters();
            assertEquals(counters.forwardedBack(), result.received(), counters + " / " + result);
            return counters;
        }
    }

    static long payloadBytes(final String prefix, final int count)
    {
        long total = 0;
        for (int seq = 0; seq < count; seq++)
        {
            total += UdpProbe.payload(prefix, seq).length;
        }
        return total;
    }
}
