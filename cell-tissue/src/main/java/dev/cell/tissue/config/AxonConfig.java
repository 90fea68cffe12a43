package dev.cell.tissue.config;

import dev.cell.runtime.identity.Identity;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * A cell's remote transport settings ({@code [axon]}, {@code [auth]}) and the dependencies it reaches at a run-time
 * address ({@code [deps] <name> = { ..., endpoint, key }}):
 * <pre>
 * [axon]
 * listen = "0.0.0.0:7400"     # UDP endpoint for remote callers; port 0 = ephemeral; absent: no remote listener
 * advertise = "203.0.113.7:7400"  # what the registry tells callers, when they reach it at another address (NAT,
 *                                 # a port forward, a relay); absent: the bound listen endpoint
 * plaintext = false           # true only for measurements: no encryption (both ends must agree)
 *
 * [auth]
 * allowed_keys = ["ed25519:...", "keys/trader.pub"]   # identities, or files (relative to the cell folder)
 * owners = ["ed25519:..."]                            # who may announce or publish this cell's name
 * </pre>
 * A key file holds one identity per line; blank lines and {@code #} comments are skipped. Files are read when the
 * configuration is loaded, and {@link #allowedKeys()} holds what they name, deduplicated, in order.
 *
 * @param listen      the {@code host:port} the instances listen on for remote callers, or null for none.
 * @param advertise   the {@code host:port} announced to callers instead of the bound endpoint, or null.
 * @param plaintext   whether the transport runs without encryption.
 * @param allowedKeys the public identities allowed to call, files resolved.
 * @param owners      the public identities that may announce or publish this cell's name.
 * @param remotes     the dependencies with a run-time {@link CellDeps.Dep#endpoint()} or racing, by name.
 * @since 0.3
 */
public record AxonConfig(String listen, String advertise, boolean plaintext, List<String> allowedKeys, List<String> owners,
    List<CellDeps.Dep> remotes)
{
    /**
     * No remote listener, no allowed keys, no remote dependencies.
     */
    public static final AxonConfig NONE = new AxonConfig(null, null, false, List.of(), List.of(), List.of());

    private static final Set<String> AXON_KEYS = Set.of("listen", "advertise", "plaintext");
    private static final Set<String> AUTH_KEYS = Set.of("allowed_keys", "owners");
    private static final int MAX_PORT = 65_535;
    private static final int MAX_HOST_NAME = 253;
    private static final String HOST_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

    /**
     * Canonical constructor: copies the lists.
     */
    public AxonConfig
    {
        allowedKeys = List.copyOf(allowedKeys);
        owners = List.copyOf(owners);
        remotes = List.copyOf(remotes);
    }

    /**
     * @return whether any of it was declared (a listener, plaintext, allowed keys, owners or remote dependencies).
     */
    public boolean declared()
    {
        return listen != null || plaintext || !allowedKeys.isEmpty() || !owners.isEmpty() || !remotes.isEmpty();
    }

    /**
     * @param toml a parsed {@code cell.toml}.
     * @param file its path, for errors.
     * @param dir  its folder: key files are relative to it.
     * @param deps its {@code [deps]}, already checked.
     * @return its {@code [axon]} and {@code [auth]}, key files read.
     * @throws ConfigError naming the file and line at fault.
     */
    static AxonConfig read(final TomlTable toml, final Path file, final Path dir, final CellDeps deps)
    {
        String listen = null;
        String advertise = null;
        boolean plaintext = false;
        final TomlTable axon = CellToml.table(toml, "axon", file);
        if (axon != null)
        {
            CellToml.checkKeys(axon, AXON_KEYS, file, "axon.");
            final Object l = axon.get(List.of("listen"));
            if (l != null)
            {
                final String why = l instanceof String s ? endpointProblem(s, true) : "not a string";
                if (why != null)
                {
                    throw CellToml.error(file, axon, "listen", file + ": axon.listen = " + CellToml.render(l) +
                        ": " + why + "; give host:port, e.g. listen = \"0.0.0.0:7400\" (port 0: any free port)" +
                        CellToml.at(axon, "listen"));
                }
                listen = (String)l;
            }
            final Object ad = axon.get(List.of("advertise"));
            if (ad != null)
            {
                final String why = ad instanceof String s ? endpointProblem(s, false) : "not a string";
                if (why != null || listen == null)
                {
                    throw CellToml.error(file, axon, "advertise", file + ": axon.advertise = " +
                        CellToml.render(ad) + ": " + (why != null ? why + "; give the host:port callers reach the " +
                        "listener at, e.g. advertise = \"203.0.113.7:7400\"" : "there is no listen to advertise; " +
                        "add listen = \"host:port\"") + CellToml.at(axon, "advertise"));
                }
                advertise = (String)ad;
            }
            final Object p = axon.get(List.of("plaintext"));
            if (p != null)
            {
                if (!(p instanceof Boolean b))
                {
                    throw CellToml.error(file, axon, "plaintext", file + ": axon.plaintext = " + CellToml.render(p) +
                        " must be true or false" + CellToml.at(axon, "plaintext"));
                }
                plaintext = b;
            }
        }
        List<String> allowed = List.of();
        List<String> owners = List.of();
        final TomlTable auth = CellToml.table(toml, "auth", file);
        if (auth != null)
        {
            CellToml.checkKeys(auth, AUTH_KEYS, file, "auth.");
            allowed = allowedKeys(auth, file, dir);
            owners = owners(auth, file);
        }
        final List<CellDeps.Dep> remotes = new ArrayList<>();
        for (final CellDeps.Dep d : new TreeMap<>(deps.deps()).values())
        {
            if (d.endpoint() != null || d.race())
            {
                remotes.add(d);
            }
        }
        return new AxonConfig(listen, advertise, plaintext, allowed, owners, remotes);
    }

    /**
     * @param endpoint       a {@code host:port} as written in {@code cell.toml}.
     * @param portZeroAllowed whether port 0 (any free port, for a listener) is allowed.
     * @return what is wrong with it, or null when it is an IPv4 address, a host name or a bracketed IPv6 address,
     * a colon and a port.
     */
    static String endpointProblem(final String endpoint, final boolean portZeroAllowed)
    {
        final int colon = endpoint.lastIndexOf(':');
        if (colon < 0)
        {
            return "no port";
        }
        final String host = endpoint.substring(0, colon);
        final String port = endpoint.substring(colon + 1);
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            return "port '" + port + "' is not a number from " + (portZeroAllowed ? 0 : 1) + " to " + MAX_PORT;
        }
        final int n = Integer.parseInt(port);
        if (n > MAX_PORT || (n == 0 && !portZeroAllowed))
        {
            return "port " + n + " is not from " + (portZeroAllowed ? 0 : 1) + " to " + MAX_PORT;
        }
        if (host.isEmpty())
        {
            return "no host";
        }
        if (host.startsWith("["))
        {
            return host.endsWith("]") && ipv6(host.substring(1, host.length() - 1)) ? null :
                "'" + host + "' is not a bracketed IPv6 address such as [::1]";
        }
        if (host.indexOf(':') >= 0)
        {
            return "an IPv6 address needs brackets, e.g. [" + host + "]:" + port;
        }
        if (host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')))
        {
            return ipv4(host) ? null : "'" + host + "' is not an IPv4 address (four numbers 0 to 255)";
        }
        return hostName(host) ? null : "'" + host + "' is not a host name (letters, digits, '-' and dots)";
    }

    private static List<String> allowedKeys(final TomlTable auth, final Path file, final Path dir)
    {
        final TomlArray array = stringArray(auth, "allowed_keys", file,
            "allowed_keys = [\"ed25519:...\", \"keys/trader.pub\"]");
        if (array == null)
        {
            return List.of();
        }
        final Set<String> keys = new LinkedHashSet<>();
        for (int i = 0; i < array.size(); i++)
        {
            final String entry = array.getString(i);
            final int line = line(array, i, auth, "allowed_keys");
            final String where = file + ": auth.allowed_keys[" + i + "] = \"" + entry + "\"";
            if (entry.startsWith(Identity.PREFIX))
            {
                if (!Identity.isPublicId(entry))
                {
                    throw new ConfigError(file, line, where + " is not an Ed25519 public identity (" +
                        Identity.PREFIX + "<43 base64url characters>; `cell id` prints one)" + atLine(line));
                }
                keys.add(entry);
            }
            else
            {
                keys.addAll(keyFile(dir.resolve(entry).normalize(), file, line, where));
            }
        }
        return List.copyOf(keys);
    }

    private static List<String> keyFile(final Path keys, final Path file, final int line, final String where)
    {
        if (!Files.isRegularFile(keys))
        {
            throw new ConfigError(file, line, where + " is neither an identity (" + Identity.PREFIX + "...) nor a " +
                "file: no such file " + keys + " (key files are relative to the cell folder)" + atLine(line));
        }
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(keys, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigError(file, line, where + ": cannot read " + keys + ": " + ex.getMessage() +
                atLine(line), ex);
        }
        final List<String> found = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++)
        {
            final String raw = lines.get(n);
            final int hash = raw.indexOf('#');
            final String id = (hash < 0 ? raw : raw.substring(0, hash)).strip();
            if (id.isEmpty())
            {
                continue;
            }
            if (!Identity.isPublicId(id))
            {
                throw new ConfigError(keys, n + 1, keys + ":" + (n + 1) + ": '" + id + "' is not an Ed25519 " +
                    "public identity (" + Identity.PREFIX + "<43 base64url characters>, one per line, '#' " +
                    "comments); listed in " + file + " auth.allowed_keys" + atLine(line));
            }
            found.add(id);
        }
        if (found.isEmpty())
        {
            throw new ConfigError(keys, 0, keys + " holds no identity; add one per line (" + Identity.PREFIX +
                "...) or remove it from auth.allowed_keys in " + file + atLine(line));
        }
        return found;
    }

    private static List<String> owners(final TomlTable auth, final Path file)
    {
        final TomlArray array = stringArray(auth, "owners", file, "owners = [\"ed25519:...\"]");
        if (array == null)
        {
            return List.of();
        }
        final Set<String> owners = new LinkedHashSet<>();
        for (int i = 0; i < array.size(); i++)
        {
            final String id = array.getString(i);
            if (!Identity.isPublicId(id))
            {
                final int line = line(array, i, auth, "owners");
                throw new ConfigError(file, line, file + ": auth.owners[" + i + "] = \"" + id + "\" is not an " +
                    "Ed25519 public identity (" + Identity.PREFIX + "<43 base64url characters>; `cell id` prints " +
                    "one)" + atLine(line));
            }
            owners.add(id);
        }
        return List.copyOf(owners);
    }

    private static TomlArray stringArray(final TomlTable table, final String key, final Path file,
        final String example)
    {
        final Object value = table.get(List.of(key));
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof TomlArray array))
        {
            throw CellToml.error(file, table, key, file + ": auth." + key + " = " + CellToml.render(value) +
                " must be a list of strings, e.g. " + example + CellToml.at(table, key));
        }
        for (int i = 0; i < array.size(); i++)
        {
            if (!(array.get(i) instanceof String))
            {
                final int line = line(array, i, table, key);
                throw new ConfigError(file, line, file + ": auth." + key + "[" + i + "] = " +
                    CellToml.render(array.get(i)) + " must be a string, e.g. " + example + atLine(line));
            }
        }
        return array;
    }

    private static int line(final TomlArray array, final int index, final TomlTable table, final String key)
    {
        final TomlPosition p = array.inputPositionOf(index);
        return p == null ? CellToml.line(table, key) : p.line();
    }

    private static String atLine(final int line)
    {
        return line == 0 ? "" : " (line " + line + ")";
    }

    private static boolean ipv4(final String host)
    {
        final String[] parts = host.split("\\.", -1);
        if (parts.length != 4)
        {
            return false;
        }
        for (final String p : parts)
        {
            if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255)
            {
                return false;
            }
        }
        return true;
    }

    private static boolean hostName(final String host)
    {
        if (host.length() > MAX_HOST_NAME)
        {
            return false;
        }
        for (final String label : host.split("\\.", -1))
        {
            if (!label.matches(HOST_LABEL))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean ipv6(final String address)
    {
        if (address.isEmpty() || !address.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0))
        {
            return false;
        }
        try
        {
            java.net.Inet6Address.ofLiteral(address);
            return true;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }
}
