package dev.cell.tissue.config;

import dev.cell.runtime.client.Endpoint;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code [state] hosts}: where a stateful cell's replicas run when its Raft group spans hosts, one {@code host:port}
 * (the replica's Raft address) per replica, slot 0 first:
 * <pre>
 * [state]
 * replicas = 3
 * hosts = ["10.0.0.1:7800", "10.0.0.2:7800", "10.0.0.3:7800"]
 * </pre>
 * The group is defined once ({@code cell state define}) and its folder copied to every host's copy of the cell;
 * {@code cell mitosis} on a host then runs the replicas whose address is one of that host's, and each claims its slot.
 * Without {@code hosts} every replica runs on this host.
 *
 * @param hosts the replicas' addresses by slot; empty when the group stays on one host.
 * @since 0.3
 */
public record StatePlacement(List<String> hosts)
{
    /**
     * All replicas on this host.
     */
    public static final StatePlacement ONE_HOST = new StatePlacement(List.of());

    /**
     * Canonical constructor: copies the list.
     */
    public StatePlacement
    {
        hosts = List.copyOf(hosts);
    }

    /**
     * @param cellDir a cell's folder.
     * @return its placement.
     * @throws ConfigError when its {@code cell.toml} is not valid.
     */
    public static StatePlacement of(final Path cellDir)
    {
        final Path file = cellDir.toAbsolutePath().normalize().resolve(TissueConfig.FILE_NAME);
        final TomlParseResult toml = CellToml.parse(file, "");
        return read(toml, file, TissueConfig.stateReplicas(toml, file));
    }

    static StatePlacement read(final TomlTable toml, final Path file, final int replicas)
    {
        final TomlTable state = CellToml.table(toml, "state", file);
        final Object value = state == null ? null : state.get(List.of("hosts"));
        if (value == null)
        {
            return ONE_HOST;
        }
        if (!(value instanceof TomlArray array) || array.size() != replicas)
        {
            throw CellToml.error(file, state, "hosts", file + ": state.hosts must list one \"host:port\" per " +
                "replica (" + replicas + ", slot 0 first)" + CellToml.at(state, "hosts"));
        }
        final List<String> hosts = new ArrayList<>();
        for (int i = 0; i < array.size(); i++)
        {
            final Object h = array.get(i);
            String problem = h instanceof String ? null : "is not a string";
            try
            {
                if (problem == null)
                {
                    Endpoint.parse((String)h, null);
                }
            }
            catch (final IllegalArgumentException ex)
            {
                problem = "is not host:port (" + ex.getMessage() + ")";
            }
            if (problem == null && hosts.contains(((String)h).strip()))
            {
                problem = "is listed twice";
            }
            if (problem != null)
            {
                throw CellToml.error(file, state, "hosts", file + ": state.hosts[" + i + "] = " +
                    CellToml.render(h) + " " + problem + CellToml.at(state, "hosts"));
            }
            hosts.add(((String)h).strip());
        }
        return new StatePlacement(hosts);
    }

    /**
     * @return true when the group's replicas are placed on several hosts.
     */
    public boolean spansHosts()
    {
        return !hosts.isEmpty();
    }

    /**
     * @return how many of the replicas this host runs: those whose address is one of its own.
     */
    public int localCount()
    {
        int n = 0;
        for (final String h : hosts)
        {
            n += Endpoint.isLocal(h.substring(0, h.lastIndexOf(':'))) ? 1 : 0;
        }
        return n;
    }

}
