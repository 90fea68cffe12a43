package dev.cell.tissue.config;


import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cell's {@code [resources]}: {@code cpu} (cores), {@code memory} and {@code storage} (bytes; "512m", "2g",
 * "64MiB" or a number of bytes) and {@code gpu} (devices), each either a plain value (the max) or
 * {@code { min = .., max = .. }}:
 * <pre>
 * [resources]
 * cpu = { min = 0.5, max = 2 }
 * memory = { min = "64m", max = "256m" }
 * storage = "1g"
 * gpu = 1
 * gpu_fallback = "cpu"
 * </pre>
 * {@code gpu_fallback = "cpu"} lets an instance that asks for GPUs start on the CPU when the host has too few
 * free; without it such a tissue is refused before anything starts.
 *
 * @param ranges         what each kind asks for (absent kinds are unconstrained).
 * @param lines          where each kind is written in its {@code cell.toml}.
 * @param gpuFallbackCpu true when {@code gpu_fallback = "cpu"}.
 * @since 0.1
 */
public record Resources(Map<Kind, Range> ranges, Map<Kind, Integer> lines, boolean gpuFallbackCpu)
{
    /**
     * The key that lets GPU instances fall back to the CPU.
     */
    public static final String GPU_FALLBACK = "gpu_fallback";

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?",
        Pattern.CASE_INSENSITIVE);

    /**
     * No constraints.
     */
    public static final Resources NONE = new Resources(Map.of(), Map.of(), false);

    /**
     * A kind of resource.
     */
    public enum Kind
    {
        /**
         * CPU cores.
         */
        CPU("cpu"),
        /**
         * Memory bytes.
         */
        MEMORY("memory"),
        /**
         * Storage bytes under the cell's folder.
         */
        STORAGE("storage"),
        /**
         * GPU devices.
         */
        GPU("gpu");

        private final String key;

        Kind(final String key)
        {
            this.key = key;
        }

        /**
         * @return its key in {@code [resources]}.
         */
        public String key()
        {
            return key;
        }

        /**
         * @param value an amount of this kind.
         * @return it for people.
         */
        public String format(final double value)
        {
            return switch (this)
            {
                case CPU -> (value == Math.rint(value) ? String.valueOf((long)value) :
                    String.format(Locale.ROOT, "%.2f", value).replaceAll("0$", "")) + (value == 1 ? " core" : " cores");
                case GPU -> String.format(Locale.ROOT, "%.0f", value);
                case MEMORY, STORAGE -> bytes((long)value);
            };
        }
    }

    /**
     * @param min the least the cell needs (-1: unset).
     * @param max the most it may use (-1: unset).
     */
    public record Range(double min, double max)
    {
    }

    /**
     * @param kind a kind.
     * @return its range, or null.
     */
    public Range get(final Kind kind)
    {
        return ranges.get(kind);
    }

    /**
     * @param kind a kind.
     * @return its line in {@code cell.toml}, 0 when unknown.
     */
    public int line(final Kind kind)
    {
        return lines.getOrDefault(kind, 0);
    }

    /**
     * @param kind a kind.
     * @return its max, or -1.
     */
    public double max(final Kind kind)
    {
        final Range r = ranges.get(kind);
        return r == null ? -1 : r.max();
    }

    /**
     * @param table the {@code [resources]} table, or null.
     * @param file  its file, for errors.
     * @return the resources.
     * @throws ConfigError naming the key and line of a bad value.
     */
    public static Resources parse(final TomlTable table, final Path file)
    {
        if (table == null)
        {
            return NONE;
        }
        final Map<Kind, Range> ranges = new EnumMap<>(Kind.class);
        final Map<Kind, Integer> lines = new EnumMap<>(Kind.class);
        boolean fallback = false;
        for (final String key : table.keySet())
        {
            if (key.equals(GPU_FALLBACK))
            {
                fallback = gpuFallback(table, file);
                continue;
            }
            Kind kind = null;
            for (final Kind k : Kind.values())
            {
                if (k.key().equals(key))
                {
                    kind = k;
                }
            }
            final TomlPosition pos = table.inputPositionOf(List.of(key));
            final String where = file + ": resources." + key + (pos == null ? "" : " (line " + pos.line() + ")");
            if (kind == null)
            {
                throw new ConfigError(file, pos == null ? 0 : pos.line(), where +
                    ": unknown resource; use cpu, memory, storage, gpu or " + GPU_FALLBACK);
            }
            final Object value = table.get(List.of(key));
            final double min;
            final double max;
            if (value instanceof TomlTable t)
            {
                CellToml.checkKeys(t, java.util.Set.of("min", "max"), file, "resources." + key + ".");
                min = t.get(List.of("min")) == null ? -1 : amount(kind, t.get(List.of("min")), where + ".min", file,
                    pos);
                max = t.get(List.of("max")) == null ? -1 : amount(kind, t.get(List.of("max")), where + ".max", file,
                    pos);
            }
            else
            {
                min = -1;
                max = amount(kind, value, where, file, pos);
            }
            if (min >= 0 && max >= 0 && min > max)
            {
                throw new ConfigError(file, pos == null ? 0 : pos.line(), where + ": min " + kind.format(min) +
                    " is above max " + kind.format(max));
            }
            ranges.put(kind, new Range(min, max));
            lines.put(kind, pos == null ? 0 : pos.line());
        }
        return new Resources(Map.copyOf(ranges), Map.copyOf(lines), fallback);
    }

    private static boolean gpuFallback(final TomlTable table, final Path file)
    {
        final TomlPosition pos = table.inputPositionOf(List.of(GPU_FALLBACK));
        final Object value = table.get(List.of(GPU_FALLBACK));
        if ("cpu".equals(value))
        {
            return true;
        }
        if ("none".equals(value))
        {
            return false;
        }
        throw new ConfigError(file, pos == null ? 0 : pos.line(), file + ": resources." + GPU_FALLBACK +
            (pos == null ? "" : " (line " + pos.line() + ")") + " = " + CellToml.render(value) + " is not \"cpu\" " +
            "(start on the CPU when the host has too few GPUs) or \"none\" (refuse to start)");
    }

    private static double amount(final Kind kind, final Object value, final String where, final Path file,
        final TomlPosition pos)
    {
        final String example = switch (kind)
        {
            case CPU -> "a number of cores, e.g. 0.5 or 2";
            case GPU -> "a whole number of devices, e.g. 1";
            case MEMORY, STORAGE -> "a size such as \"256m\", \"2g\" or a number of bytes";
        };
        if (value instanceof Long l && l >= 0)
        {
            return l;
        }
        if (value instanceof Double d && d >= 0 && kind == Kind.CPU)
        {
            return d;
        }
        if (value instanceof String s && (kind == Kind.MEMORY || kind == Kind.STORAGE))
        {
            final Matcher m = SIZE.matcher(s.trim());
            if (m.matches())
            {
                final double n = Double.parseDouble(m.group(1));
                final int shift = switch (m.group(2).toLowerCase(Locale.ROOT))
                {
                    case "k" -> 10;
                    case "m" -> 20;
                    case "g" -> 30;
                    case "t" -> 40;
                    default -> 0;
                };
                return Math.floor(n * (1L << shift));
            }
        }
        throw new ConfigError(file, pos == null ? 0 : pos.line(), where + " = " + CellToml.render(value) + " is not " +
            example);
    }

    /**
     * @param n bytes.
     * @return them in the largest binary unit that keeps a whole or one-decimal number.
     */
    public static String bytes(final long n)
    {
        if (n >= 1L << 30)
        {
            return trim(n / (double)(1L << 30)) + " GiB";
        }
        if (n >= 1L << 20)
        {
            return trim(n / (double)(1L << 20)) + " MiB";
        }
        if (n >= 1L << 10)
        {
            return trim(n / 1024.0) + " KiB";
        }
        return n + " B";
    }

    private static String trim(final double v)
    {
        return v == Math.rint(v) ? String.valueOf((long)v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
