package dev.cell.systemtest.net;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
 * The relay as a process on a host between two others: host A probes host C's echo through the relay on host B,
 * which drops half of each direction.
 */
class UdpRelayNetnsTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern COUNTERS = Pattern.compile(
        "relay counters forwarded-out=(\\d+) dropped-out=(\\d+) forwarded-back=(\\d+) dropped-back=(\\d+) " +
        "unsent=(\\d+)");
    private static final Pattern PROBE = Pattern.compile("probe sent=(\\d+) received=(\\d+) mismatched=(\\d+)");
    private static final int COUNT = 2_000;

    @BeforeEach
    void requireNetns()
    {
        NetnsRequirement.requireNetns();
    }

    @Test
    void dropsAboutHalfOfEachDirectionAndForwardsRepliesToTheSender(@TempDir final Path dir) throws IOException
    {
        final long seed = 20_260_422L;
        System.out.println("relay seed=" + seed);
        final Path captured = dir.resolve("relay-payloads.bin");
        try (NetNamespaces net = NetNamespaces.create(3))
        {
            final NetNamespaces.Host a = net.host(0);
            final NetNamespaces.Host b = net.host(1);
            final NetNamespaces.Host c = net.host(2);
            final String echoAt = c.ip() + ":7200";
            final String relayAt = b.ip() + ":7201";
            final Matcher counters;
            final Matcher probed;
            try (Child echo = Child.start("echo", net.command(c, Child.java(UdpEcho.class, List.of("--bind", echoAt))),
                Map.of()))
            {
                final Child relay = Child.start("relay", net.command(b, Child.java(UdpRelay.class, List.of(
                    "--listen", relayAt, "--target", echoAt, "--loss", "0.5", "--seed", Long.toString(seed),
                    "--capture", captured.toString()))), Map.of());
                try
                {
                    echo.awaitLine(Pattern.compile("echo ready"), TIMEOUT);
                    relay.awaitLine(Pattern.compile("relay seed=" + seed + "$"), TIMEOUT);
                    relay.awaitLine(Pattern.compile("relay ready listen=" + Pattern.quote(relayAt)), TIMEOUT);
                    try (Child probe = Child.start("probe", net.command(a, Child.java(UdpProbe.class, List.of(
                        "--target", relayAt, "--count", Integer.toString(COUNT), "--prefix", "lossy",
                        "--reply-timeout-ms", "3", "--linger-ms", "1000"))), Map.of()))
                    {
                        assertEquals(0, probe.awaitExit(TIMEOUT), probe.output());
                        probed = PROBE.matcher(probe.output());
                        assertTrue(probed.find(), probe.output());
                    }
                }
                finally
                {
                    relay.close();
                }
                counters = COUNTERS.matcher(relay.output());
                assertTrue(counters.find(), relay.output());
            }
            final long forwardedOut = Long.parseLong(counters.group(1));
            final long droppedOut = Long.parseLong(counters.group(2));
            final long forwardedBack = Long.parseLong(counters.group(3));
            final long droppedBack = Long.parseLong(counters.group(4));
            final String summary = "seed " + seed + ": " + counters.group() + "; " + probed.group();
            assertEquals(COUNT, forwardedOut + droppedOut, summary);
            assertTrue(droppedOut >= 850 && droppedOut <= 1150, summary);
            assertEquals(forwardedOut, forwardedBack + droppedBack, "every echo reached the relay: " + summary);
            assertTrue(Math.abs(droppedBack - forwardedOut / 2.0) <= 0.15 * forwardedOut, summary);
            assertEquals(0, Long.parseLong(counters.group(5)), summary);
            assertEquals(forwardedBack, Long.parseLong(probed.group(2)), "every reply forwarded reached A: " + summary);
            assertEquals(0, Long.parseLong(probed.group(3)), summary);
        }
        final byte[] bytes = Files.readAllBytes(captured);
        assertTrue(new String(bytes, StandardCharsets.US_ASCII).contains("lossy 1999"), "capture has the payloads");
        assertTrue(bytes.length > UdpRelayTest.payloadBytes("lossy", COUNT), "both directions captured");
    }
}
