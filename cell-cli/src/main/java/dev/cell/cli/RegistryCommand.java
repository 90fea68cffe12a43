package dev.cell.cli;

import dev.cell.raft.GroupStatus;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cell registry status [dir]}: the registry's replica group as its servers answer now (any host holding the
 * group's folder may ask: over gRPC with the group's mutual TLS when it spans hosts): each replica's slot, address,
 * whether it votes or listens, its role, applied and commit index, its lag behind the leader's commit index and how
 * long since the leader last heard from it. Works for any stateful cell's folder. {@code cell registry invite [dir]}:
 * a one-time token with which one more host joins the registry as a listener ({@code GroupJoin}, {@code cell join}).
 * {@code cell registry serve} and {@code stop}: this host's replica as a background process ({@link RegistryProcess}).
 *
 * @since 0.3
 */
@Command(
    name = "registry",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "The registry every host runs.",
    subcommands = {RegistryCommand.Status.class, RegistryCommand.Invite.class, RegistryProcess.Serve.class,
        RegistryProcess.Stop.class})
final class RegistryCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CellCommand.EXIT_USER_ERROR;
    }

    @Command(
        name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = CellVersion.class,
        description = {"Voters, listeners, leader and each replica's lag, as the replicas answer now.",
            "<dir> is this host's registry folder (the one RegistryHost runs with --dir), or any stateful cell's."})
    static final class Status implements Callable<Integer>
    {
        /**
         * gRPC announces its epoll support at INFO through java.util.logging; held here so the level sticks.
         */
        private static final java.util.logging.Logger GRPC_LOGGING = java.util.logging.Logger.getLogger(
            "org.apache.ratis.thirdparty.io.grpc.netty");

        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", paramLabel = "<dir>", description = "The group's folder; default: .")
        private Path dir = Path.of(".");

        @Option(names = "--timeout-ms", description = "How long each replica may take to answer (default 2000).")
        private long timeoutMs = 2_000;

        @Option(names = "--json", description = "One JSON object instead of the table.")
        private boolean json;

        @Override
        public Integer call()
        {
            GRPC_LOGGING.setLevel(java.util.logging.Level.WARNING);
            final GroupStatus s;
            try
            {
                s = GroupStatus.query(dir, Duration.ofMillis(timeoutMs));
            }
            catch (final IllegalArgumentException | UncheckedIOException ex)
            {
                throw new UserError(ex.getMessage(), ex);
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json)
            {
                out.println(Json.write(toJson(s)));
            }
            else
            {
                out.printf("group %s: %s%n", s.groupId(), s.leader() < 0 ? "no leader answered (no write can " +
                    "commit now)" : "leader r" + s.leader() + ", term " + s.term());
                out.printf("%-5s %-22s %-9s %-12s %9s %9s %6s %12s%n", "slot", "address", "member", "role",
                    "applied", "commit", "lag", "last contact");
                for (final GroupStatus.Peer p : s.peers())
                {
                    out.printf("%-5s %-22s %-9s %-12s %9s %9s %6s %12s%n", "r" + p.slot(), p.address(), p.member(),
                        p.role(), number(p.appliedIndex()), number(p.commitIndex()), number(p.lag()),
                        p.lastContactMs() < 0 ? "-" : p.lastContactMs() + " ms");
                }
                for (final GroupStatus.Peer p : s.peers())
                {
                    if (!p.problem().isEmpty())
                    {
                        out.printf("r%d did not answer: %s%n", p.slot(), p.problem());
                    }
                }
            }
            out.flush();
            return s.leader() < 0 ? CellCommand.EXIT_SDK_FAILURE : CellCommand.EXIT_OK;
        }

        private static String number(final long v)
        {
            return v < 0 ? "-" : Long.toString(v);
        }

        static Map<String, Object> toJson(final GroupStatus s)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("group", s.groupId());
            m.put("leader", s.leader() < 0 ? null : "r" + s.leader());
            m.put("term", s.term());
            final List<Object> peers = new ArrayList<>();
            for (final GroupStatus.Peer p : s.peers())
            {
                final Map<String, Object> r = new LinkedHashMap<>();
                r.put("slot", p.slot());
                r.put("address", p.address());
                r.put("member", p.member());
                r.put("role", p.role());
                r.put("appliedIndex", p.appliedIndex());
                r.put("commitIndex", p.commitIndex());
                r.put("lag", p.lag());
                r.put("lastContactMs", p.lastContactMs());
                r.put("problem", p.problem());
                peers.add(r);
            }
            m.put("replicas", peers);
            return m;
        }
    }

    @Command(
        name = "invite",
        mixinStandardHelpOptions = true,
        versionProvider = CellVersion.class,
        description = {"A one-time token with which one more host joins the registry as a listener, and the " +
            "command that joins with it.", "<dir> is this host's registry folder; its replica must serve joins " +
            "(RegistryHost --join-listen host:port)."})
    static final class Invite implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", paramLabel = "<dir>", description = "The registry folder; " +
            "default: .")
        private Path dir = Path.of(".");

        @Option(names = "--ttl", description = "How long the token may be used (default 10m).")
        private String ttl = "10m";

        @Override
        public Integer call()
        {
            final Path folder = dir.toAbsolutePath().normalize();
            final Path endpointFile = folder.resolve(".cell/replicas").resolve(dev.cell.raft.GroupJoin.JOIN_ENDPOINT);
            final Path keyFile = dev.cell.runtime.service.AxonOptions.identityFileOf(folder);
            final String endpoint;
            try
            {
                endpoint = java.nio.file.Files.readString(endpointFile).strip();
            }
            catch (final java.io.IOException ex)
            {
                throw new UserError("the registry in " + folder + " serves no joins (no " + endpointFile + "): " +
                    "run its replica with --join-listen <host:port>");
            }
            if (!java.nio.file.Files.isRegularFile(keyFile))
            {
                throw new UserError("no registry key in " + keyFile + ": " + folder + " is not a registry folder");
            }
            final Duration valid = dev.cell.tissue.config.Durations.parse(ttl, "--ttl");
            final String key = dev.cell.runtime.identity.Identity.loadOrCreate(keyFile).publicId();
            final String token = dev.cell.raft.GroupJoin.invite(folder, valid);
            final PrintWriter out = spec.commandLine().getOut();
            out.println("token (one host, valid for " + ttl + "): " + token);
            out.println("on the new host:");
            out.println("  cell join " + endpoint + " --key " + key + " --token " + token +
                " --listen <its address>:<its Raft port>");
            out.println("(on the same LAN, `cell join multicast ...` finds this host by its signed beacon instead)");
            out.flush();
            return CellCommand.EXIT_OK;
        }
    }
}
