package dev.cell.runtime.junction;

import dev.cell.runtime.CellContext;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.Dispatcher;

/**
 * Hand-written binding of the echo test cell, found by CellMain through ServiceLoader (test class path only).
 */
public final class EchoBinding implements CellBinding<EchoBinding.Echo>
{
    /**
     * The "cell object": only lifecycle hooks, the dispatcher does the work.
     */
    public static final class Echo implements CellLifecycle
    {
        @Override
        public void onStart(final CellContext context)
        {
            context.log().info("echo.started", "runDir", context.runDir().toString());
        }
    }

    @Override
    public String cellName()
    {
        return EchoCell.NAME;
    }

    @Override
    public Genome genome()
    {
        return EchoCell.genome();
    }

    @Override
    public Echo newCell()
    {
        return new Echo();
    }

    @Override
    public Dispatcher dispatcher(final Echo cell)
    {
        return EchoCell.dispatcher();
    }
}
