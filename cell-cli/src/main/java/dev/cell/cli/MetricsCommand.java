package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.supervise.Supervisors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cell metrics [dir|name]}: the current scrape of a tissue's Prometheus endpoint, as its supervisor serves it
 * (text format), found through the supervisor's entry under {@code $CELL_HOME/supervisors/}. {@code --url} prints
 * only where to scrape, for a Prometheus job.
 *
 * @since 0.1
 */
@Command(
    name = "metrics",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Print a running tissue's metrics: the Prometheus text format its supervisor serves on its scrape " +
            "endpoint ([tissue] metrics in cell.toml; loopback, any free port by default).",
        "The target is a tissue or cell folder, a tissue name or a cell name; without one, the folder here when a " +
            "supervisor runs it, else the one running tissue."
    })
final class MetricsCommand implements Callable<Integer>
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<dir|name>",
        description = "A tissue or cell folder, a tissue name or a cell name.")
    private String target;

    @Option(names = "--url", description = "Print only the scrape URL.")
    private boolean url;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Supervisors.Entry supervisor = find(CellHome.resolve());
        if (supervisor.metrics().isEmpty())
        {
            throw new UserError("the supervisor of tissue '" + supervisor.tissue() + "' (pid " + supervisor.pid() +
                ") serves no metrics: its cell.toml says metrics = \"off\", or it is from an older Cell; set " +
                "[tissue] metrics = \"127.0.0.1:0\" (or remove the key) and start it again");
        }
        final String address = "http://" + supervisor.metrics() + "/metrics";
        if (url)
        {
            out.println(address);
            out.flush();
            return CellCommand.EXIT_OK;
        }
        out.print(scrape(supervisor, address));
        out.flush();
        return CellCommand.EXIT_OK;
    }

    private Supervisors.Entry find(final Path cellHome)
    {
        final List<Supervisors.Entry> live = Supervisors.live(cellHome);
        if (target == null)
        {
            final Supervisors.Entry here = Files.isRegularFile(Path.of(TissueConfig.FILE_NAME)) ?
                forFolder(cellHome, Path.of(".")) : null;
            if (here != null)
            {
                return here;
            }
            if (live.size() == 1)
            {
                return live.getFirst();
            }
            throw new UserError(live.isEmpty() ? "no tissue is running on this host (cell home " + cellHome +
                "); start one with `cell mitosis <dir>`" : live.size() + " tissues are running (" +
                String.join(", ", live.stream().map(Supervisors.Entry::tissue).sorted().toList()) +
                "); name one: `cell metrics <tissue|cell|dir>`");
        }
        final Path folder = StopCommand.configFolder(target);
        final Supervisors.Entry found = folder != null ? forFolder(cellHome, folder) : live.stream()
            .filter(e -> e.tissue().equals(target)).findFirst()
            .orElseGet(() -> Supervisors.forCell(cellHome, target));
        if (found == null)
        {
            throw new UserError("no running tissue " + (folder != null ? "runs " + folder : "or cell is named '" +
                target + "'") + " on this host (cell home " + cellHome + "); `cell ps` lists what runs, " +
                "`cell mitosis <dir>` starts a tissue");
        }
        return found;
    }

    /**
     * @return the supervisor running a folder: its tissue, a tissue under it, or the tissue running the cell whose
     * folder it is.
     */
    private static Supervisors.Entry forFolder(final Path cellHome, final Path folder)
    {
        final Path real = Supervisors.real(folder);
        final Supervisors.Entry e = Supervisors.forFolder(cellHome, real);
        if (e != null)
        {
            return e;
        }
        try
        {
            final TissueTree tree = TissueTree.load(real);
            return tree.root().cell() == null ? null : Supervisors.forCell(cellHome, tree.root().cell().name());
        }
        catch (final UserError ex)
        {
            return null;
        }
    }

    private static String scrape(final Supervisors.Entry supervisor, final String address)
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        try
        {
            final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(address)).timeout(TIMEOUT)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200)
            {
                throw new UserError("the metrics endpoint of tissue '" + supervisor.tissue() + "' at " + address +
                    " answered HTTP " + r.statusCode() + ": " + r.body().strip());
            }
            return r.body();
        }
        catch (final IOException ex)
        {
            throw new UserError("the metrics endpoint of tissue '" + supervisor.tissue() + "' (supervisor pid " +
                supervisor.pid() + ") did not answer at " + address + ": " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while reading " + address, ex);
        }
    }
}
