package dev.cell.cli;

import dev.cell.raft.GroupMember;
import dev.cell.raft.Replica;
import dev.cell.runtime.client.Endpoint;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.StatePlacement;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cell state define <dir>} and {@code cell state copy <from> <to>}: a stateful cell whose Raft group spans
 * hosts ({@code [state] hosts}) has its group defined once — members with their addresses, the entry key, the TLS key
 * and certificate ({@link Replica#defineGroup}) — and copied to every host's copy of the cell; {@code cell mitosis}
 * there checks it ({@link #checkPlaced}) and runs the replicas whose address is that host's.
 *
 * @since 0.3
 */
@Command(
    name = "state",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "A stateful cell's replica group across hosts ([state] hosts).",
    subcommands = {StateCommand.Define.class, StateCommand.Copy.class})
final class StateCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CellCommand.EXIT_USER_ERROR;
    }

    /**
     * Refuse to start a tissue whose stateful cells are placed on hosts but whose group is not defined here, is
     * defined with other addresses than {@code [state] hosts}, or has no replica on this host.
     *
     * @param tree the tissue about to start.
     * @throws UserError naming the cell and what to do.
     */
    static void checkPlaced(final TissueTree tree)
    {
        for (final CellSpec cell : tree.config().cells())
        {
            final StatePlacement placement = StatePlacement.of(cell.dir());
            if (!placement.spansHosts())
            {
                continue;
            }
            final List<String> defined = Replica.definedHosts(cell.dir());
            if (defined.isEmpty())
            {
                throw new UserError("cell '" + cell.name() + "' places its replicas on " + placement.hosts() +
                    " ([state] hosts) but its group is not defined in " + cell.dir() + ": run `cell state define " +
                    cell.dir() + "` on one host and copy its .cell/replicas/ to the others (`cell state copy`)");
            }
            if (!defined.equals(placement.hosts()))
            {
                throw new UserError("cell '" + cell.name() + "': [state] hosts = " + placement.hosts() + " but the " +
                    "group defined in " + cell.dir() + "/.cell/replicas has " + defined + "; a group's members " +
                    "change through a membership change, not by editing cell.toml");
            }
            if (placement.localCount() == 0)
            {
                throw new UserError("cell '" + cell.name() + "': none of its [state] hosts " + placement.hosts() +
                    " is an address of this host, so no replica of it runs here");
            }
        }
    }

    /**
     * {@code cell state define <dir>}.
     */
    @Command(
        name = "define",
        mixinStandardHelpOptions = true,
        versionProvider = CellVersion.class,
        description = {"Define the replica group of a stateful cell from its [state] hosts: members, entry key, " +
            "TLS key and certificate, under <dir>/.cell/replicas (0600).",
            "Then copy that folder to every host's copy of the cell, and run `cell mitosis` on each host."})
    static final class Define implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "<dir>", description = "The stateful cell's folder.")
        private Path dir;

        @Override
        public Integer call()
        {
            final Path folder = dir.toAbsolutePath().normalize();
            final CellSpec cell = TissueConfig.loadCell(folder);
            final StatePlacement placement = StatePlacement.of(folder);
            if (!placement.spansHosts())
            {
                throw new UserError(cell.file() + " has no [state] hosts: without them every replica runs on this " +
                    "host and `cell mitosis` creates the group itself");
            }
            if (!Replica.definedHosts(folder).isEmpty())
            {
                throw new UserError("a group is already defined in " + folder.resolve(".cell/replicas") + ": " +
                    Replica.definedHosts(folder));
            }
            final List<GroupMember> members = new ArrayList<>();
            for (int slot = 0; slot < placement.hosts().size(); slot++)
            {
                final Endpoint e = Endpoint.parse(placement.hosts().get(slot), null);
                members.add(new GroupMember(slot, e.host(), e.port(), false));
            }
            Replica.defineGroup(folder, members);
            final PrintWriter out = spec.commandLine().getOut();
            out.println("defined the replica group of '" + cell.name() + "': " + placement.hosts() + " in " +
                folder.resolve(".cell/replicas"));
            out.println("copy it to every host's copy of the cell (`cell state copy " + folder + " <copy>`, or " +
                "scp -rp its .cell/replicas keeping the files 0600), then run `cell mitosis` on each host");
            out.flush();
            return CellCommand.EXIT_OK;
        }
    }

    /**
     * {@code cell state copy <from> <to>}.
     */
    @Command(
        name = "copy",
        mixinStandardHelpOptions = true,
        versionProvider = CellVersion.class,
        description = "Copy a defined replica group (its definition and secrets, no replica's data) to another copy " +
            "of the cell.")
    static final class Copy implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "<from>", description = "The folder the group was defined in.")
        private Path from;

        @Parameters(index = "1", paramLabel = "<to>", description = "Another copy of the cell.")
        private Path to;

        @Override
        public Integer call()
        {
            if (Replica.definedHosts(from).isEmpty())
            {
                throw new UserError("no group is defined in " + from.toAbsolutePath().normalize() + ": run `cell " +
                    "state define` there first");
            }
            Replica.copyGroup(from, to);
            spec.commandLine().getOut().println("copied the replica group of " + from + " to " + to);
            spec.commandLine().getOut().flush();
            return CellCommand.EXIT_OK;
        }
    }
}
