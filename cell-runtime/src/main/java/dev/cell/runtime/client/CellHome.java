package dev.cell.runtime.client;

import java.nio.file.Path;

/**
 * Where the instances of this host register: the {@code cell.home} system property, else {@code CELL_HOME}, else
 * {@code ~/.cell}.
 *
 * @since 0.1
 */
public final class CellHome
{
    private CellHome()
    {
    }

    /**
     * @return the cell home folder (not created).
     */
    public static Path resolve()
    {
        final String prop = System.getProperty("cell.home");
        if (prop != null && !prop.isBlank())
        {
            return Path.of(prop);
        }
        final String env = System.getenv("CELL_HOME");
        if (env != null && !env.isBlank())
        {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cell");
    }
}
