package dev.cell.enzyme;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernels a PTX module declares and the size of each of their parameters, read from the {@code .entry}
 * directives, so a launch whose arguments do not match the kernel is refused on both backends before the device
 * reads garbage.
 */
final class PtxEntries
{
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.([busf])(8|16|32|64)");

    private PtxEntries()
    {
    }

    /**
     * @param ptx a module's text.
     * @return each entry's parameter sizes in bytes, by name.
     */
    static Map<String, int[]> read(final String ptx)
    {
        final Map<String, int[]> entries = new HashMap<>();
        final Matcher m = ENTRY.matcher(ptx);
        while (m.find())
        {
            final String params = m.group(2).trim();
            if (params.isEmpty())
            {
                entries.put(m.group(1), new int[0]);
                continue;
            }
            final String[] parts = params.split(",");
            final int[] sizes = new int[parts.length];
            for (int i = 0; i < parts.length; i++)
            {
                final Matcher p = PARAM.matcher(parts[i]);
                sizes[i] = p.find() ? Integer.parseInt(p.group(2)) / 8 : -1;
            }
            entries.put(m.group(1), sizes);
        }
        return entries;
    }
}
