package dev.cell.compiler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Java source file being generated: indented lines plus the imports its type references need. Every type goes
 * through {@link #ref(String)}, which imports it when its simple name is free and otherwise writes its qualified name,
 * so user types whose names clash with ours (a record called {@code Reply}, an enum called like a codec) still
 * compile.
 */
final class JavaFile
{
    private static final int MAX_LINE = 120;

    private final String packageName;
    private final Set<String> packageTypes;
    private final Map<String, String> taken = new HashMap<>();
    private final Set<String> imports = new TreeSet<>();
    private final StringBuilder body = new StringBuilder(8192);
    private int indent;

    /**
     * @param packageName  the file's package.
     * @param packageTypes simple names of the types of that package (they shadow on-demand and java.lang names).
     * @param ownTypes     simple names declared by the generated file itself (its class and nested classes).
     */
    JavaFile(final String packageName, final Set<String> packageTypes, final Set<String> ownTypes)
    {
        this.packageName = packageName;
        this.packageTypes = new HashSet<>(packageTypes);
        for (final String own : ownTypes)
        {
            taken.put(own, "");
        }
    }

    /**
     * @param qualified a type's canonical name.
     * @return how to write it here: its simple name when that is unambiguous, else its canonical name.
     */
    String ref(final String qualified)
    {
        final int dot = qualified.lastIndexOf('.');
        final String simple = qualified.substring(dot + 1);
        final String owner = dot < 0 ? "" : qualified.substring(0, dot);
        final String known = taken.get(simple);
        if (known != null)
        {
            return known.equals(qualified) ? simple : qualified;
        }
        if (owner.equals(packageName))
        {
            taken.put(simple, qualified);
            return simple;
        }
        if (packageTypes.contains(simple))
        {
            return qualified;
        }
        taken.put(simple, qualified);
        if (!owner.equals("java.lang"))
        {
            imports.add(qualified);
        }
        return simple;
    }

    /**
     * Append a line at the current indentation.
     *
     * @param text the line, without line break.
     * @return this.
     */
    JavaFile line(final String text)
    {
        if (text.isEmpty())
        {
            body.append('\n');
        }
        else
        {
            wrap(text, "    ".repeat(indent), "    ".repeat(indent + 1));
        }
        return this;
    }

    /**
     * Append a line, breaking it when it is longer than 120 columns: comments at spaces, code after an
     * assignment or arrow, else at the last comma or operator that fits, else inside a string literal.
     */
    private void wrap(final String text, final String prefix, final String continuation)
    {
        if (prefix.length() + text.length() <= MAX_LINE)
        {
            body.append(prefix).append(text).append('\n');
            return;
        }
        final int room = MAX_LINE - prefix.length();
        if (text.startsWith(" * ") || text.startsWith("// "))
        {
            final String marker = text.startsWith(" * ") ? " * " : "// ";
            final int space = text.lastIndexOf(' ', room);
            if (space > marker.length())
            {
                body.append(prefix).append(text, 0, space).append('\n');
                wrap(marker + text.substring(space + 1), prefix, continuation);
                return;
            }
            body.append(prefix).append(text).append('\n');
            return;
        }
        for (final String separator : List.of(" = ", " -> "))
        {
            final int at = find(text, separator, false, room);
            if (at > 0 && at + separator.length() - 1 <= room &&
                continuation.length() + text.length() - at - separator.length() <= MAX_LINE)
            {
                body.append(prefix).append(text, 0, at + separator.length() - 1).append('\n');
                wrap(text.substring(at + separator.length()), continuation, continuation);
                return;
            }
        }
        for (final String separator : List.of(", ", " || ", " && ", " + ", " ? ", " : "))
        {
            final int at = find(text, separator, true, room);
            if (at > 0)
            {
                final int end = separator.startsWith(",") ? at + 1 : at + separator.length() - 1;
                body.append(prefix).append(text, 0, end).append('\n');
                wrap(text.substring(at + separator.length()), continuation, continuation);
                return;
            }
        }
        final int split = stringSplit(text, room);
        if (split > 0)
        {
            body.append(prefix).append(text, 0, split).append("\" +").append('\n');
            wrap("\"" + text.substring(split), continuation, continuation);
            return;
        }
        body.append(prefix).append(text).append('\n');
    }

    /**
     * @return where {@code separator} occurs outside string literals: the first occurrence, or the last one whose
     * line head fits in {@code room}; -1 when none.
     */
    private static int find(final String text, final String separator, final boolean last, final int room)
    {
        int found = -1;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '"' && (i == 0 || text.charAt(i - 1) != '\\'))
            {
                inString = !inString;
            }
            else if (!inString && text.startsWith(separator, i))
            {
                if (!last)
                {
                    return i;
                }
                if (i + separator.length() > room)
                {
                    return found;
                }
                found = i;
            }
        }
        return found;
    }

    /**
     * @return an index inside a string literal, just after a space, where the literal can be split so that the
     * head (plus the closing quote and " +") fits in {@code room}; -1 when none.
     */
    private static int stringSplit(final String text, final int room)
    {
        int split = -1;
        boolean inString = false;
        for (int i = 0; i < text.length() && i + 3 <= room; i++)
        {
            final char c = text.charAt(i);
            if (c == '"' && (i == 0 || text.charAt(i - 1) != '\\'))
            {
                inString = !inString;
            }
            else if (inString && c == ' ')
            {
                split = i + 1;
            }
        }
        return split;
    }

    /**
     * Append a statement {@code start + args joined by ", " + end}, breaking the arguments onto continuation lines
     * when it would be longer than 120 columns.
     *
     * @param start what precedes the arguments, including the opening parenthesis.
     * @param args  the arguments.
     * @param end   what follows, including the closing parenthesis.
     * @return this.
     */
    JavaFile call(final String start, final List<String> args, final String end)
    {
        final String oneLine = start + String.join(", ", args) + end;
        if ("    ".repeat(indent).length() + oneLine.length() <= MAX_LINE || args.isEmpty())
        {
            return line(oneLine);
        }
        line(start);
        indent++;
        for (int i = 0; i < args.size(); i++)
        {
            line(args.get(i) + (i == args.size() - 1 ? end : ","));
        }
        indent--;
        return this;
    }

    /**
     * Append an empty line.
     *
     * @return this.
     */
    JavaFile blank()
    {
        body.append('\n');
        return this;
    }

    /**
     * Append a '{' line and indent.
     *
     * @return this.
     */
    JavaFile open()
    {
        line("{");
        indent++;
        return this;
    }

    /**
     * Outdent and append a '}' line.
     *
     * @return this.
     */
    JavaFile close()
    {
        return close("");
    }

    /**
     * Outdent and append '}' followed by {@code suffix}.
     *
     * @param suffix such as ";" or ")".
     * @return this.
     */
    JavaFile close(final String suffix)
    {
        indent--;
        return line("}" + suffix);
    }

    /**
     * Append a javadoc comment.
     *
     * @param lines its lines, without the leading " * ".
     * @return this.
     */
    JavaFile javadoc(final String... lines)
    {
        line("/**");
        for (final String l : lines)
        {
            line(l.isEmpty() ? " *" : " * " + l);
        }
        return line(" */");
    }

    /**
     * @param origin the class it was generated from.
     * @return the whole file: header comment, package, imports, body.
     */
    String source(final String origin)
    {
        final StringBuilder sb = new StringBuilder(body.length() + 1024);
        sb.append("// Generated by cell-compiler from ").append(origin).append(". Do not edit.\n");
        if (!packageName.isEmpty())
        {
            sb.append("package ").append(packageName).append(";\n");
        }
        final List<String> other = new ArrayList<>();
        final List<String> javaImports = new ArrayList<>();
        for (final String i : imports)
        {
            (i.startsWith("java.") || i.startsWith("javax.") ? javaImports : other).add(i);
        }
        if (!other.isEmpty())
        {
            sb.append('\n');
            other.forEach(i -> sb.append("import ").append(i).append(";\n"));
        }
        if (!javaImports.isEmpty())
        {
            sb.append('\n');
            javaImports.forEach(i -> sb.append("import ").append(i).append(";\n"));
        }
        sb.append('\n').append(body);
        return sb.toString();
    }
}
