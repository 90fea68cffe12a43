package dev.cell.tissue.supervise;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain text table: left-aligned columns sized to their widest cell, two spaces apart.
 *
 * @since 0.1
 */
public final class Table
{
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    /**
     * @param headers the column headers.
     */
    public Table(final String... headers)
    {
        this.columns = headers.length;
        rows.add(headers.clone());
    }

    /**
     * @param cells one value per column ({@code String.valueOf} of each).
     * @return this for a fluent API.
     */
    public Table row(final Object... cells)
    {
        if (cells.length != columns)
        {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + columns);
        }
        final String[] row = new String[columns];
        for (int i = 0; i < columns; i++)
        {
            row[i] = String.valueOf(cells[i]);
        }
        rows.add(row);
        return this;
    }

    /**
     * @param out where to print the table.
     */
    public void print(final PrintWriter out)
    {
        final int[] widths = new int[columns];
        for (final String[] row : rows)
        {
            for (int i = 0; i < columns; i++)
            {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (final String[] row : rows)
        {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < columns; i++)
            {
                sb.append(row[i]);
                if (i < columns - 1)
                {
                    sb.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
        out.flush();
    }
}
