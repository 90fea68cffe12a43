package dev.cell.systemtest.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcpdump captures between namespaces see what was sent in plaintext and not what was never sent.
 */
class CaptureTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void seesAPlaintextMarkerAndNotOneNeverSent(@TempDir final Path dir) throws IOException
    {
        NetnsRequirement.requireNetns();
        NetnsRequirement.require("tcpdump", Capture.availability());
        final String sent = "cell-marker-" + Long.toHexString(System.nanoTime());
        final byte[] neverSent = ("cell-absent-" + Long.toHexString(System.nanoTime())).getBytes(
            StandardCharsets.US_ASCII);
        try (NetNamespaces net = NetNamespaces.create(2))
        {
            final NetNamespaces.Host a = net.host(0);
            final NetNamespaces.Host b = net.host(1);
            try (Capture onA = Capture.onHost(net, a, dir.resolve("a.pcap"));
                Capture onSwitch = Capture.onSwitch(net, dir.resolve("switch.pcap"));
                Child echo = Child.start("echo", net.command(b, Child.java(UdpEcho.class,
                    List.of("--bind", b.ip() + ":7300"))), Map.of()))
            {
                echo.awaitLine(Pattern.compile("echo ready"), TIMEOUT);
                try (Child probe = Child.start("probe", net.command(a, Child.java(UdpProbe.class, List.of(
                    "--target", b.ip() + ":7300", "--count", "3", "--prefix", sent, "--linger-ms", "0"))), Map.of()))
                {
                    assertEquals(0, probe.awaitExit(TIMEOUT), probe.output());
                    assertTrue(probe.output().contains("received=3"), probe.output());
                }
                final byte[] last = UdpProbe.payload(sent, 2);
                assertTrue(onA.awaitContains(last, TIMEOUT), "host A's capture: " + onA.log());
                assertTrue(onSwitch.awaitContains(last, TIMEOUT), "switch capture: " + onSwitch.log());
                final Path aPcap = onA.stop();
                final Path switchPcap = onSwitch.stop();
                for (final Path pcap : List.of(aPcap, switchPcap))
                {
                    final byte[] bytes = Files.readAllBytes(pcap);
                    assertTrue(bytes.length > 24, pcap + " holds a pcap header and packets");
                    assertEquals(-1, Capture.indexOf(pcap, neverSent, 0, bytes.length), pcap.toString());
                }
                assertTrue(onA.contains(UdpProbe.payload(sent, 0)));
                assertFalse(onA.contains(neverSent));
                assertFalse(onSwitch.contains(neverSent));
            }
        }
    }

    @Test
    void indexOfFindsMarkersAcrossTheWholeRange(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("bytes.bin");
        Files.write(file, "..abc...abd".getBytes(StandardCharsets.US_ASCII));
        final byte[] abd = "abd".getBytes(StandardCharsets.US_ASCII);
        assertEquals(2, Capture.indexOf(file, "abc".getBytes(StandardCharsets.US_ASCII), 0, 11));
        assertEquals(8, Capture.indexOf(file, abd, 0, 11));
        assertEquals(8, Capture.indexOf(file, abd, 8, 11));
        assertEquals(-1, Capture.indexOf(file, abd, 9, 11));
        assertEquals(-1, Capture.indexOf(file, abd, 0, 10));
    }
}

