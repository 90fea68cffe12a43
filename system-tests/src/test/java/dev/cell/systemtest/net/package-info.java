/**
 * Test infrastructure for multi-host tests on one Linux machine.
 * <ul>
 *   <li>{@link dev.cell.systemtest.net.NetNamespaces}: a private network of hosts (network namespaces on a bridge),
 *   made and deleted per test; run a host's processes through {@code command(host, cmd)}.</li>
 *   <li>{@link dev.cell.systemtest.net.NetnsRequirement}: call {@code requireNetns()} first; it skips where
 *   namespaces cannot be made, and fails instead under {@code CELL_REQUIRE_NETNS=1} (set by CI).</li>
 *   <li>{@link dev.cell.systemtest.net.UdpRelay}: a seeded lossy, delaying UDP relay, in-process or as a process on a
 *   host; replies go back to the sender.</li>
 *   <li>{@link dev.cell.systemtest.net.Capture}: tcpdump on a host's interface or every bridge port, searched for
 *   marker bytes.</li>
 *   <li>{@link dev.cell.systemtest.net.Child}: child processes with their output waited for line by line, every wait
 *   bounded; {@link dev.cell.systemtest.net.UdpEcho} and {@link dev.cell.systemtest.net.UdpProbe}: UDP endpoints for
 *   checking paths.</li>
 * </ul>
 * A typical cross-host test:
 * <pre>{@code
 * NetnsRequirement.requireNetns();
 * try (NetNamespaces net = NetNamespaces.create(3))
 * {
 *     NetNamespaces.Host relayHost = net.host(1);
 *     try (Child relay = Child.start("relay", net.command(relayHost, Child.java(UdpRelay.class, List.of(
 *         "--listen", relayHost.ip() + ":40100", "--target", net.host(2).ip() + ":40100", "--loss", "0.01",
 *         "--seed", "7"))), Map.of()))
 *     {
 *         relay.awaitLine(Pattern.compile("relay ready"), Duration.ofSeconds(30));
 *         // start the publisher on host 0 aimed at the relay and the subscriber on host 2, likewise via command()
 *     }
 * }
 * }</pre>
 */
package dev.cell.systemtest.net;
