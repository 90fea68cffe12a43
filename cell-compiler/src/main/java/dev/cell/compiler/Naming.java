package dev.cell.compiler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;
import javax.lang.model.SourceVersion;

/**
 * Names derived from a cell's name and its Java members.
 */
final class Naming
{
    /**
     * What a cell name must look like.
     */
    static final Pattern CELL_NAME = Pattern.compile("[a-z][a-z0-9-]*");

    /**
     * Schema id of Cell's own protocol, never given to a cell.
     */
    static final int PROTOCOL_SCHEMA_ID = 7001;

    /**
     * Highest schema id given to a cell.
     */
    static final int MAX_SCHEMA_ID = 65_000;

    private Naming()
    {
    }

    /**
     * @param name a Java name.
     * @return it with its first character upper case.
     */
    static String capitalize(final String name)
    {
        return name.isEmpty() ? name : Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    /**
     * @param name a Java name.
     * @return it with its first character lower case.
     */
    static String decapitalize(final String name)
    {
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    /**
     * The name of a flattened field.
     *
     * @param prefix    the enclosing record's prefix, empty at the root.
     * @param component the component's name.
     * @return {@code component} at the root, else {@code prefixComponent}.
     */
    static String flattened(final String prefix, final String component)
    {
        return prefix.isEmpty() ? component : prefix + capitalize(component);
    }

    /**
     * @param cellName a valid cell name.
     * @return the class name prefix: {@code exchange} gives {@code Exchange}, {@code order-book} gives
     * {@code OrderBook}.
     */
    static String classPrefix(final String cellName)
    {
        final StringBuilder sb = new StringBuilder(cellName.length());
        boolean upper = true;
        for (int i = 0; i < cellName.length(); i++)
        {
            final char c = cellName.charAt(i);
            if (c == '-')
            {
                upper = true;
            }
            else
            {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return sb.toString();
    }

    /**
     * @param cellName a valid cell name.
     * @return a package name segment for it: '-' becomes '_', and a Java keyword gets a trailing '_'.
     */
    static String packageSegment(final String cellName)
    {
        final String segment = cellName.replace('-', '_');
        return SourceVersion.isKeyword(segment) ? segment + "_" : segment;
    }

    /**
     * The schema id of a cell: the first four bytes of the SHA-256 of its name, reduced to 1..65,000 and skipping
     * the protocol's own id 7001. Stable across builds and machines.
     *
     * @param cellName the cell's name.
     * @return its schema id.
     */
    static int schemaId(final String cellName)
    {
        final byte[] hash = sha256(cellName.getBytes(StandardCharsets.UTF_8));
        final long value = ((hash[0] & 0xFFL) << 24) | ((hash[1] & 0xFFL) << 16) | ((hash[2] & 0xFFL) << 8) |
            (hash[3] & 0xFFL);
        final int id = (int)(value % (MAX_SCHEMA_ID - 1)) + 1;
        return id >= PROTOCOL_SCHEMA_ID ? id + 1 : id;
    }

    /**
     * @param bytes what to hash.
     * @return its SHA-256.
     */
    static byte[] sha256(final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
    }
}
