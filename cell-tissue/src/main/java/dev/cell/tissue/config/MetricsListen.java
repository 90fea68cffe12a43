package dev.cell.tissue.config;

import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a tissue's supervisor serves its Prometheus scrape endpoint: the {@code metrics} key of the top
 * {@code cell.toml}'s {@code [tissue]} table, or of its {@code [cell]} table when the tissue is one cell.
 * <pre>
 * [tissue]
 * metrics = "127.0.0.1:9400"   # host:port; port 0 = any free port (the default: "127.0.0.1:0"); "off" = none
 * </pre>
 * The endpoint has no authentication: it is on the loopback interface unless {@code cell.toml} says otherwise. The
 * key in the {@code cell.toml} of a cell below the top is checked like any other and not used (the supervisor of
 * the tissue that runs the cell decides), so a cell folder may name its own port for when it runs alone.
 *
 * @param host the address to listen on (an IPv4 address, a bracketed IPv6 address or a host name); empty when off.
 * @param port the port, 0 for any free one, -1 when off.
 * @since 0.1
 */
public record MetricsListen(String host, int port)
{
    /**
     * Loopback, any free port: what a tissue gets without the key.
     */
    public static final MetricsListen DEFAULT = new MetricsListen("127.0.0.1", 0);

    /**
     * No endpoint.
     */
    public static final MetricsListen OFF = new MetricsListen("", -1);

    private static final String KEY = "metrics";

    /**
     * @return false for {@code metrics = "off"}.
     */
    public boolean enabled()
    {
        return port >= 0;
    }

    /**
     * @return {@code host:port} as written, or "off".
     */
    @Override
    public String toString()
    {
        return enabled() ? host + ":" + port : "off";
    }

    /**
     * Read {@code [tissue] metrics} or {@code [cell] metrics} of one {@code cell.toml}.
     *
     * @param tissue its {@code [tissue]} table, or null.
     * @param cell   its {@code [cell]} table, or null.
     * @param file   the file, for messages.
     * @return the setting, or null when neither table has the key.
     * @throws ConfigError naming the file and line when the value is not {@code "host:port"} or {@code "off"}, or
     *                     when both tables set it.
     */
    static MetricsListen read(final TomlTable tissue, final TomlTable cell, final Path file)
    {
        final boolean inTissue = tissue != null && tissue.contains(KEY);
        final boolean inCell = cell != null && cell.contains(KEY);
        if (inTissue && inCell)
        {
            throw CellToml.error(file, cell, KEY, file + ": metrics is set in [tissue]" +
                CellToml.at(tissue, KEY) + " and in [cell]" + CellToml.at(cell, KEY) + "; the tissue has one " +
                "endpoint, set it once");
        }
        if (!inTissue && !inCell)
        {
            return null;
        }
        final TomlTable table = inTissue ? tissue : cell;
        final String where = inTissue ? "tissue" : "cell";
        final Object value = table.get(List.of(KEY));
        if (value instanceof String s && "off".equals(s))
        {
            return OFF;
        }
        final String why = value instanceof String s ? AxonConfig.endpointProblem(s, true) : "not a string";
        if (why != null)
        {
            throw CellToml.error(file, table, KEY, file + ": " + where + ".metrics = " + CellToml.render(value) +
                ": " + why + "; give host:port for the Prometheus scrape endpoint, e.g. metrics = \"127.0.0.1:9400\"" +
                " (port 0: any free port), or \"off\"" + CellToml.at(table, KEY));
        }
        final String s = (String)value;
        final int colon = s.lastIndexOf(':');
        final String host = s.substring(0, colon);
        return new MetricsListen(host.startsWith("[") ? host.substring(1, host.length() - 1) : host,
            Integer.parseInt(s.substring(colon + 1)));
    }
}
