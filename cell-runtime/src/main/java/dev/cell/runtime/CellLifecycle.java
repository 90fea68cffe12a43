package dev.cell.runtime;

/**
 * Optional hooks a {@link Cell} class may implement. Both run on the instance's conductor thread before it serves
 * (start) and after it stopped serving (stop); work that runs on its own belongs on a thread the cell starts itself.
 *
 * @since 0.1
 */
public interface CellLifecycle
{
    /**
     * Called once, before the instance accepts connections.
     *
     * @param context the instance's identity, folders and log.
     */
    default void onStart(final CellContext context)
    {
    }

    /**
     * Called once, when the instance stops (Ctrl-C, {@code cell stop}, idle timeout).
     */
    default void onStop()
    {
    }
}
