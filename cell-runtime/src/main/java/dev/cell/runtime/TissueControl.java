package dev.cell.runtime;

/**
 * A cell's handle on its own tissue, through its supervisor: start, stop and scale the cells below it in the tissue
 * tree (its {@code cell.toml}'s {@code [cells]}, and theirs). Code and {@code cell.toml} are two ways to say the
 * same thing: a scale is checked as the same {@code replicas = N} in {@code cell.toml} would be (at most 64, within
 * every {@code [resources]} budget above the cell) and refused with the same message.
 * <pre>
 * public void onStart(final CellContext context)
 * {
 *     this.tissue = context.tissue();
 * }
 * ...
 * tissue.scale("worker", 10);   // returns once the new instances are ready
 * </pre>
 * Calls block until the supervisor has done it (new instances ready, removed ones stopped); while the supervisor is
 * still starting the tissue (for example from {@code onStart}, before this cell is ready) they wait for it, up to
 * the timeout.
 *
 * @since 0.1
 */
public interface TissueControl
{
    /**
     * Run a cell with this many instances (0 stops it). {@code cell.toml} is not changed.
     *
     * @param cell     a cell below this one in the tissue tree.
     * @param replicas its instances, 0 to 64.
     * @return the supervisor's answer, e.g. {@code ok: scaled worker from 2 to 10}.
     * @throws Refused when the supervisor refuses (not this cell's, stateful, over a resource budget, …).
     * @throws IllegalStateException when this instance has no supervisor (started by hand, not by
     *                               {@code cell mitosis}) or it cannot be reached.
     */
    String scale(String cell, int replicas);

    /**
     * The supervisor refused a request; the message says why and what to do, as {@code cell mitosis} would.
     */
    final class Refused extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param message the supervisor's reason.
         */
        public Refused(final String message)
        {
            super(message);
        }
    }
}
