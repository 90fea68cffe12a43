package dev.cell.runtime.genome;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer for the control plane (genomes, {@code cell call}, logs, run files).
 * Objects read as {@link LinkedHashMap}, arrays as {@link ArrayList}, numbers as {@link Long} when integral and
 * {@link Double} otherwise. Never used on a hot path. Objects and arrays nest at most {@link #MAX_DEPTH} deep, so a
 * document from a peer (a genome an instance sends) cannot exhaust the reader's stack.
 *
 * @since 0.1
 */
public final class Json
{
    /**
     * How deep objects and arrays may nest; deeper documents are refused.
     */
    public static final int MAX_DEPTH = 256;

    private final String text;
    private int pos;
    private int depth;

    private Json(final String text)
    {
        this.text = text;
    }

    /**
     * Parse a JSON document.
     *
     * @param text the document.
     * @return the value: a Map, List, String, Long, Double, Boolean or null.
     * @throws IllegalArgumentException naming the offset and what was expected, when the text is not JSON.
     */
    public static Object parse(final String text)
    {
        final Json json = new Json(text);
        json.skipWhitespace();
        final Object value = json.readValue();
        json.skipWhitespace();
        if (json.pos != text.length())
        {
            throw json.error("end of input");
        }
        return value;
    }

    /**
     * Parse a JSON object.
     *
     * @param text the document.
     * @return the object.
     * @throws IllegalArgumentException when the text is not a JSON object.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(final String text)
    {
        final Object value = parse(text);
        if (!(value instanceof Map))
        {
            throw new IllegalArgumentException("expected a JSON object, got: " + abbreviate(text));
        }
        return (Map<String, Object>)value;
    }

    /**
     * Write a value as compact JSON.
     *
     * @param value a Map, Iterable, array of Object, CharSequence, Number, Boolean, Character, byte[] (as base64
     *              string) or null; anything else is written as its {@code toString()} in quotes.
     * @return the JSON text.
     */
    public static String write(final Object value)
    {
        final StringBuilder sb = new StringBuilder(64);
        write(sb, value);
        return sb.toString();
    }

    /**
     * Append a value as compact JSON.
     *
     * @param sb    to append to.
     * @param value see {@link #write(Object)}.
     */
    public static void write(final StringBuilder sb, final Object value)
    {
        switch (value)
        {
            case null -> sb.append("null");
            case CharSequence s -> quote(sb, s);
            case Boolean b -> sb.append(b.booleanValue());
            case Double d when d.isNaN() || d.isInfinite() -> sb.append("null");
            case Float f when f.isNaN() || f.isInfinite() -> sb.append("null");
            case Number n -> sb.append(n);
            case Character c -> quote(sb, String.valueOf(c));
            case byte[] bytes -> quote(sb, java.util.Base64.getEncoder().encodeToString(bytes));
            case Map<?, ?> map ->
            {
                sb.append('{');
                boolean first = true;
                for (final Map.Entry<?, ?> e : map.entrySet())
                {
                    if (!first)
                    {
                        sb.append(',');
                    }
                    first = false;
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    write(sb, e.getValue());
                }
                sb.append('}');
            }
            case Iterable<?> list ->
            {
                sb.append('[');
                boolean first = true;
                for (final Object o : list)
                {
                    if (!first)
                    {
                        sb.append(',');
                    }
                    first = false;
                    write(sb, o);
                }
                sb.append(']');
            }
            case Object[] array -> write(sb, List.of(array));
            default -> quote(sb, value.toString());
        }
    }

    /**
     * Append a string as a JSON string literal.
     *
     * @param sb to append to.
     * @param s  the string.
     */
    public static void quote(final StringBuilder sb, final CharSequence s)
    {
        sb.append('"');
        for (int i = 0, n = s.length(); i < n; i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default ->
                {
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private Object readValue()
    {
        if (pos >= text.length())
        {
            throw error("a value");
        }
        final char c = text.charAt(pos);
        if ((c == '{' || c == '[') && depth >= MAX_DEPTH)
        {
            throw new IllegalArgumentException("JSON nests deeper than " + MAX_DEPTH + " levels at offset " + pos);
        }
        return switch (c)
        {
            case '{' -> nested(true);
            case '[' -> nested(false);
            case '"' -> readString();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default ->
            {
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    yield readNumber();
                }
                throw error("a value");
            }
        };
    }

    private Object nested(final boolean object)
    {
        depth++;
        try
        {
            return object ? readObject() : readArray();
        }
        finally
        {
            depth--;
        }
    }

    private Map<String, Object> readObject()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        pos++;
        skipWhitespace();
        if (peek() == '}')
        {
            pos++;
            return map;
        }
        while (true)
        {
            skipWhitespace();
            if (peek() != '"')
            {
                throw error("a string key");
            }
            final String key = readString();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            map.put(key, readValue());
            skipWhitespace();
            final char c = peek();
            pos++;
            if (c == '}')
            {
                return map;
            }
            if (c != ',')
            {
                pos--;
                throw error("',' or '}'");
            }
        }
    }

    private List<Object> readArray()
    {
        final List<Object> list = new ArrayList<>();
        pos++;
        skipWhitespace();
        if (peek() == ']')
        {
            pos++;
            return list;
        }
        while (true)
        {
            skipWhitespace();
            list.add(readValue());
            skipWhitespace();
            final char c = peek();
            pos++;
            if (c == ']')
            {
                return list;
            }
            if (c != ',')
            {
                pos--;
                throw error("',' or ']'");
            }
        }
    }

    private String readString()
    {
        pos++;
        final StringBuilder sb = new StringBuilder();
        while (true)
        {
            if (pos >= text.length())
            {
                throw error("closing '\"'");
            }
            final char c = text.charAt(pos++);
            if (c == '"')
            {
                return sb.toString();
            }
            if (c == '\\')
            {
                if (pos >= text.length())
                {
                    throw error("an escape");
                }
                final char e = text.charAt(pos++);
                switch (e)
                {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' ->
                    {
                        if (pos + 4 > text.length())
                        {
                            throw error("four hex digits");
                        }
                        try
                        {
                            sb.append((char)Integer.parseInt(text, pos, pos + 4, 16));
                        }
                        catch (final NumberFormatException ex)
                        {
                            throw error("four hex digits");
                        }
                        pos += 4;
                    }
                    default -> throw error("a valid escape");
                }
            }
            else
            {
                sb.append(c);
            }
        }
    }

    private Number readNumber()
    {
        final int start = pos;
        boolean integral = true;
        if (peek() == '-')
        {
            pos++;
        }
        while (pos < text.length())
        {
            final char c = text.charAt(pos);
            if (c >= '0' && c <= '9')
            {
                pos++;
            }
            else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')
            {
                integral = false;
                pos++;
            }
            else
            {
                break;
            }
        }
        final String number = text.substring(start, pos);
        try
        {
            if (integral)
            {
                return Long.parseLong(number);
            }
            return Double.parseDouble(number);
        }
        catch (final NumberFormatException ex)
        {
            pos = start;
            throw error("a number (got '" + number + "')");
        }
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, pos))
        {
            throw error("'" + word + "'");
        }
        pos += word.length();
        return value;
    }

    private void expect(final char c)
    {
        if (peek() != c)
        {
            throw error("'" + c + "'");
        }
        pos++;
    }

    private char peek()
    {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipWhitespace()
    {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos)))
        {
            pos++;
        }
    }

    private IllegalArgumentException error(final String expected)
    {
        final String found = pos < text.length() ? "'" + text.charAt(pos) + "'" : "end of input";
        return new IllegalArgumentException(
            "invalid JSON at offset " + pos + ": expected " + expected + " but found " + found + " in " +
            abbreviate(text));
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
