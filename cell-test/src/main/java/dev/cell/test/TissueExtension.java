package dev.cell.test;

import dev.cell.tissue.UserError;
import dev.cell.tissue.supervise.Mitosis;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@link Tissue} does: before the class's first test, validate, build and start the tissue under a
 * supervisor (restarts, readiness gating, everything {@code cell mitosis} does); after its last test, stop it in
 * reverse dependency order and restore the {@code cell.home} property.
 *
 * @since 0.1
 */
public final class TissueExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver
{
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TissueExtension.class);
    private static final String RUNNING = "running";
    private static final String PREVIOUS_HOME = "previousCellHome";

    @Override
    public void beforeAll(final ExtensionContext context)
    {
        final Tissue tissue = context.getRequiredTestClass().getAnnotation(Tissue.class);
        if (tissue == null)
        {
            throw new ExtensionConfigurationException("TissueExtension needs @Tissue(\"<folder>\") on " +
                context.getRequiredTestClass().getName());
        }
        final Path cellHome;
        try
        {
            cellHome = tissue.cellHome().isEmpty() ? Files.createTempDirectory("cell-home-") :
                Path.of(tissue.cellHome()).toAbsolutePath();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create a cell home for the tissue", ex);
        }
        final ExtensionContext.Store store = context.getStore(NAMESPACE);
        store.put(PREVIOUS_HOME, String.valueOf(System.getProperty("cell.home")));
        System.setProperty("cell.home", cellHome.toString());
        final PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        final Mitosis.Options options = Mitosis.Options.of(Path.of(tissue.value()))
            .withBuild(tissue.build())
            .withOffline(tissue.offline())
            .withAttached(true)
            .withReadyTimeout(parse(tissue.readyTimeout()))
            .withCellHome(cellHome);
        try
        {
            store.put(RUNNING, new RunningTissue(Mitosis.start(options, out), cellHome));
        }
        catch (final UserError ex)
        {
            restore(store);
            throw new ExtensionConfigurationException("@Tissue(\"" + tissue.value() + "\") did not start: " +
                ex.getMessage(), ex);
        }
    }

    @Override
    public void afterAll(final ExtensionContext context)
    {
        final ExtensionContext.Store store = context.getStore(NAMESPACE);
        final RunningTissue running = store.remove(RUNNING, RunningTissue.class);
        try
        {
            if (running != null)
            {
                running.running().close();
            }
        }
        finally
        {
            restore(store);
        }
    }

    @Override
    public boolean supportsParameter(final ParameterContext parameter, final ExtensionContext context)
    {
        return parameter.getParameter().getType() == RunningTissue.class;
    }

    @Override
    public Object resolveParameter(final ParameterContext parameter, final ExtensionContext context)
    {
        final RunningTissue running = context.getStore(NAMESPACE).get(RUNNING, RunningTissue.class);
        if (running == null)
        {
            throw new ParameterResolutionException("no tissue is running for " + context.getDisplayName());
        }
        return running;
    }

    private static void restore(final ExtensionContext.Store store)
    {
        final String previous = store.remove(PREVIOUS_HOME, String.class);
        if (previous == null || "null".equals(previous))
        {
            System.clearProperty("cell.home");
        }
        else
        {
            System.setProperty("cell.home", previous);
        }
    }

    private static Duration parse(final String text)
    {
        try
        {
            return Duration.parse("PT" + text.trim().toUpperCase(java.util.Locale.ROOT));
        }
        catch (final RuntimeException ex)
        {
            throw new ExtensionConfigurationException("@Tissue readyTimeout \"" + text + "\" is not a duration " +
                "like \"60s\" or \"2m\"", ex);
        }
    }
}
