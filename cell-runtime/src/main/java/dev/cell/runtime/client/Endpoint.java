package dev.cell.runtime.client;

import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.identity.Identity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where a remote instance listens for axon sessions, and (optionally) the identity it must prove: without a key any
 * identity that completes the handshake is accepted, and the connection logs which one it was.
 *
 * @param host a host name or address ({@code 10.1.0.2}, {@code ::1}).
 * @param port its UDP port.
 * @param key  the instance's expected public identity ({@code ed25519:...}), or null.
 * @since 0.2
 */
public record Endpoint(String host, int port, String key)
{
    /**
     * System property prefix naming a cell's endpoint: {@code cell.endpoint.<cell>=host:port}, with
     * {@code cell.endpoint.<cell>.key=ed25519:...} (the launcher sets both from {@code [deps]}).
     */
    public static final String PROPERTY_PREFIX = "cell.endpoint.";

    /**
     * Canonical constructor: checks the parts.
     */
    public Endpoint
    {
        if (host == null || host.isBlank())
        {
            throw new IllegalArgumentException("endpoint needs a host");
        }
        if (port < 0 || port > 65_535)
        {
            throw new IllegalArgumentException("endpoint port " + port + " is not 0..65535");
        }
        if (key != null && !Identity.isPublicId(key))
        {
            throw new IllegalArgumentException("endpoint key '" + key + "' is not a public identity (ed25519:...)");
        }
    }

    /**
     * @param text {@code host:port} or {@code [ipv6]:port}.
     * @param key  the expected identity, or null.
     * @return the endpoint.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static Endpoint parse(final String text, final String key)
    {
        final String t = text == null ? "" : text.trim();
        final int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1)
        {
            throw new IllegalArgumentException("endpoint '" + t + "' is not host:port");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        else if (host.indexOf(':') >= 0)
        {
            throw new IllegalArgumentException("endpoint '" + t + "': write an IPv6 address in brackets, [::1]:7400");
        }
        final int port;
        try
        {
            port = Integer.parseInt(t.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("endpoint '" + t + "' has no numeric port");
        }
        return new Endpoint(host, port, key == null || key.isBlank() ? null : key.trim());
    }

    /**
     * @param cell a cell's name.
     * @return its endpoint from the system properties, or null when none is set.
     */
    public static Endpoint fromProperties(final String cell)
    {
        final List<Endpoint> all = allFromProperties(cell);
        return all.isEmpty() ? null : all.get(0);
    }

    /**
     * @param cell a cell's name.
     * @return every endpoint {@code cell.endpoint.<cell>} names (a comma-separated list of {@code host:port}), each
     * with the key at the same place in {@code cell.endpoint.<cell>.key} (a comma-separated list too; an empty place:
     * no key); empty when none is set.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static List<Endpoint> allFromProperties(final String cell)
    {
        final String text = System.getProperty(PROPERTY_PREFIX + cell);
        if (text == null || text.isBlank())
        {
            return List.of();
        }
        final String[] at = text.split(",", -1);
        final String keyText = System.getProperty(PROPERTY_PREFIX + cell + ".key", "");
        final String[] keys = keyText.split(",", -1);
        if (!keyText.isBlank() && keys.length > at.length)
        {
            throw new IllegalArgumentException(PROPERTY_PREFIX + cell + ".key names " + keys.length +
                " keys for " + at.length + " endpoints");
        }
        final List<Endpoint> all = new ArrayList<>(at.length);
        for (int i = 0; i < at.length; i++)
        {
            all.add(parse(at[i], i < keys.length ? keys[i] : null));
        }
        return List.copyOf(all);
    }

    /**
     * @return {@code host:port} as an Aeron channel's endpoint ({@code [::1]:7400} for IPv6).
     */
    public String address()
    {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString()
    {
        return address() + (key == null ? "" : " (" + key + ")");
    }

    /**
     * @param cellHome    this host's cell home.
     * @param cell        a cell.
     * @param fingerprint the genome fingerprint the caller speaks (0: any).
     * @param except      instance ids to leave out (this host's own, reached over junctions).
     * @return the endpoints of the cell's instances in this host's registry view, malformed entries left out.
     */
    static List<Endpoint> listed(final Path cellHome, final String cell, final long fingerprint,
        final Set<String> except)
    {
        return listed(RegistryView.read(cellHome, cell), fingerprint, except);
    }

    /**
     * @param view        a cell's entries in this host's registry view, as read.
     * @param fingerprint the genome fingerprint the caller speaks (0: any).
     * @param except      instance ids to leave out.
     * @return their endpoints, malformed entries left out.
     */
    static List<Endpoint> listed(final List<RegistryView.Entry> view, final long fingerprint,
        final Set<String> except)
    {
        final List<Endpoint> endpoints = new ArrayList<>();
        final String hex = fingerprint == 0 ? null : Genome.fingerprintHex(fingerprint);
        for (final RegistryView.Entry v : view)
        {
            if (!except.contains(v.instanceId()) && (hex == null || hex.equals(v.fingerprint())))
            {
                try
                {
                    endpoints.add(parse(v.axon(), v.identity().isEmpty() ? null : v.identity()));
                }
                catch (final IllegalArgumentException malformed)
                {
                    // left out: the others may do
                }
            }
        }
        return endpoints;
    }

    /**
     * @param host a host name or address ({@code [v6]} brackets allowed).
     * @return whether it is an address of one of this machine's interfaces (loopback and the wildcard included).
     */
    public static boolean isLocal(final String host)
    {
        try
        {
            final java.net.InetAddress address =
                java.net.InetAddress.getByName(host.replace("[", "").replace("]", ""));
            return address.isLoopbackAddress() || address.isAnyLocalAddress() ||
                java.net.NetworkInterface.getByInetAddress(address) != null;
        }
        catch (final java.io.IOException ex)
        {
            return false;
        }
    }
}
