package dev.cell.cli;

import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Endpoint;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.genome.GenomeCodec;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.MavenBuild;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.launch.Instances;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code cell genome <name|dir>}: a cell's contract, from a running instance or from a built cell folder; with
 * {@code --endpoint} (and {@code --key}) from the remote instance there, over its axon ({@link RemoteOptions}).
 *
 * @since 0.1
 */
@Command(
    name = "genome",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Show a cell's genome: name, version, fingerprint, handlers with their request fields and errors, and " +
            "its SBE schema.",
        "A folder is read from its build (target/classes/META-INF/cell/*.genome.json; every cell of a tissue); " +
            "a name asks a running instance, else the folder `cell mitosis` last started it from.",
        "With --endpoint host:port [--key ed25519:...] the name is asked of the instance there, over its axon."
    })
final class GenomeCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name|dir>", description = "A cell name, a cell or tissue folder, or a " +
        ".genome.json file.")
    private String target;

    @Option(names = "--json", description = "Print the genome JSON as embedded in the jar.")
    private boolean json;

    @Option(names = "--diff", paramLabel = "<genome|dir>", description = "Compare with another genome (a " +
        ".genome.json file, a built cell folder, or a cell's source folder) and print, per handler and field, " +
        "whether consumers built against <name|dir> still work with it: compatible or BREAKING. Exits 4 when " +
        "something breaks.")
    private String diff;

    @Mixin
    private RemoteOptions remote;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final List<Sourced> genomes = find();
        if (diff != null)
        {
            return GenomeDiffReport.print(genomes.getFirst().genome(), genomes.getFirst().source(), diff, out);
        }
        boolean first = true;
        for (final Sourced g : genomes)
        {
            if (!first)
            {
                out.println();
            }
            first = false;
            if (json)
            {
                out.println(g.genome().toJson());
            }
            else
            {
                print(g, out);
            }
        }
        out.flush();
        return CellCommand.EXIT_OK;
    }

    private record Sourced(Genome genome, String source)
    {
    }

    private List<Sourced> find()
    {
        final Endpoint endpoint = remote.endpoint();
        if (null != endpoint)
        {
            // Only a cell name means something to a remote instance: no folder or file of this host is read.
            return List.of(ask(target, CellHome.resolve(), endpoint));
        }
        final Path path = Path.of(target);
        if (Files.isRegularFile(path) && target.endsWith(".json"))
        {
            return List.of(read(path));
        }
        if (Files.isDirectory(path))
        {
            return fromFolder(path);
        }
        final Instances instances = new Instances(CellHome.resolve());
        final List<Instance> live = instances.live(target);
        if (!live.isEmpty())
        {
            return List.of(ask(target, instances.cellHome(), null));
        }
        final Optional<Path> recorded = instances.recordedCellDir(target);
        if (recorded.isPresent())
        {
            final Path file = recorded.get().resolve("target/classes").resolve(Genome.resourceName(target));
            if (Files.isRegularFile(file))
            {
                return List.of(read(file));
            }
        }
        throw new UserError("no genome for '" + target + "': no instance of a cell of that name is running " +
            "(`cell ps`), " + (recorded.isPresent() ? "its folder " + recorded.get() + " is not built" :
            "`cell mitosis` has not started it") + ", and there is no folder of that name; give a running " +
            "cell's name or a built cell folder");
    }

    private static Sourced ask(final String cell, final Path cellHome, final Endpoint endpoint)
    {
        final ClientOptions options = ClientOptions.defaults().withCellHome(cellHome)
            .withConnectTimeout(Duration.ofSeconds(5)).withCallTimeout(Duration.ofSeconds(5))
            .withClientName("cell-genome-" + ProcessHandle.current().pid()).withEndpoint(endpoint);
        try (CellConnection c = CellConnection.connect(cell, 0L, options))
        {
            return new Sourced(c.genome(), "running instance " + c.instanceId() +
                (null == endpoint ? "" : " at " + endpoint.address()));
        }
    }

    private static List<Sourced> fromFolder(final Path dir)
    {
        final List<Sourced> out = new ArrayList<>();
        if (Files.isRegularFile(dir.resolve(TissueConfig.FILE_NAME)))
        {
            for (final CellSpec cell : TissueTree.load(dir).config().cells())
            {
                final Path file = cell.dir().resolve("target/classes").resolve(Genome.resourceName(cell.name()));
                if (!Files.isRegularFile(file))
                {
                    throw new UserError("cell '" + cell.name() + "' in " + cell.dir() + " is not built (no " + file +
                        "); build it with `cell mitosis " + dir + "` or mvn package");
                }
                out.add(read(file));
            }
            return out;
        }
        for (final Path file : MavenBuild.genomeFiles(dir.toAbsolutePath()))
        {
            out.add(read(file));
        }
        if (out.isEmpty())
        {
            throw new UserError(dir.toAbsolutePath() + " has no cell.toml and no built genome under " +
                "target/classes/" + Genome.RESOURCE_DIR + "; give a cell folder or a running cell's name");
        }
        return out;
    }

    private static Sourced read(final Path file)
    {
        try
        {
            return new Sourced(Genome.fromJson(Files.readString(file, StandardCharsets.UTF_8)), file.toString());
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new UserError("cannot read genome " + file + ": " + ex.getMessage() + "; rebuild the cell", ex);
        }
    }

    private static void print(final Sourced s, final PrintWriter out)
    {
        final Genome g = s.genome();
        out.println("cell         " + g.cell());
        out.println("version      " + g.version());
        out.println("fingerprint  " + g.fingerprint());
        out.println("schema       id " + g.schemaId() + ", version " + g.schemaVersion());
        out.println("from         " + s.source());
        out.println();
        out.println("handlers");
        GenomeCodec codec = null;
        try
        {
            codec = GenomeCodec.of(g);
        }
        catch (final IllegalArgumentException ex)
        {
            out.println("  (cannot describe request fields: " + ex.getMessage() + ")");
        }
        for (final Genome.Handler h : g.handlers())
        {
            out.println("  " + h.name() + "(" + h.requestMessage() + ") -> " + h.responseMessage() +
                (h.errors().isEmpty() ? "" : "  throws " + String.join(", ", h.errors())) +
                "  [" + h.fingerprint() + "]");
            if (codec != null)
            {
                out.println("      request: " + codec.describeRequest(h.name()));
            }
        }
        out.println();
        out.println("errors");
        if (g.errors().isEmpty())
        {
            out.println("  (none)");
        }
        for (final Genome.ErrorType e : g.errors())
        {
            out.println("  " + e.name() + "  template " + e.templateId() + "  " + e.javaType());
        }
        out.println();
        out.println("schema");
        out.println(g.schemaXml().strip());
    }
}
