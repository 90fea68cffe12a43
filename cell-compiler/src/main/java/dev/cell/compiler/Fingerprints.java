package dev.cell.compiler;

import dev.cell.compiler.CellModel.Block;
import dev.cell.compiler.CellModel.EnumType;
import dev.cell.compiler.CellModel.ErrorType;
import dev.cell.compiler.CellModel.GroupNode;
import dev.cell.compiler.CellModel.Handler;
import dev.cell.compiler.CellModel.Leaf;
import dev.cell.compiler.CellModel.Message;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A cell's fingerprint: SHA-256 over a canonical text of its contract, first 8 bytes as 16 hex digits.
 * <p>
 * The canonical text is built only from the model, which is already in canonical order: handlers and errors sorted
 * by name, each message's fields in wire order (fixed fields, groups, var data) with their SBE types, enums with
 * their constants in ordinal order. Nothing of the source text reaches it (no javadoc, no method order, no names that
 * are not on the wire), so equal fingerprints mean wire-compatible contracts. For example:
 * <pre>
 * cell exchange
 * major 1
 * handler placeOrder
 *   request PlaceOrderRequest 3
 *     field side enum Side(BUY,SELL)
 *     field quantity int64
 *     group legs
 *       field price int64
 *     end
 *     data symbol string
 *   response PlaceOrderResponse 4
 *     field orderId int64
 *   error OrderRejected 6
 *     data reason string
 * end
 * </pre>
 */
final class Fingerprints
{
    private Fingerprints()
    {
    }

    /**
     * @param cell a cell.
     * @return the canonical text its fingerprint is computed over.
     */
    static String canonical(final CellModel cell)
    {
        final StringBuilder sb = new StringBuilder(1024);
        sb.append("cell ").append(cell.name()).append('\n');
        sb.append("major ").append(cell.major()).append('\n');
        for (final Handler h : cell.handlers())
        {
            sb.append(canonical(h));
        }
        return sb.toString();
    }

    /**
     * @param handler a handler.
     * @return the canonical text of its part of the contract.
     */
    static String canonical(final Handler handler)
    {
        return canonical(handler, Integer.MAX_VALUE);
    }

    /**
     * @param handler a handler.
     * @param version a schema version.
     * @return the canonical text of the handler's shape at that version: without the fields added later.
     */
    static String canonical(final Handler handler, final int version)
    {
        final StringBuilder sb = new StringBuilder(256);
        sb.append("handler ").append(handler.name()).append('\n');
        message(sb, "request", handler.request(), version);
        message(sb, "response", handler.response(), version);
        for (final ErrorType e : handler.errors())
        {
            message(sb, "error", e.message(), version);
        }
        sb.append("end\n");
        return sb.toString();
    }

    /**
     * @param handler a handler.
     * @return the fingerprints of its earlier shapes (one per earlier schema version that differs), oldest first,
     * without its current fingerprint: the shapes it still serves.
     */
    static List<Long> compatible(final Handler handler)
    {
        final int max = Math.max(handler.request().block().maxSince(), Math.max(handler.response().block().maxSince(),
            handler.errors().stream().mapToInt(e -> e.message().block().maxSince()).max().orElse(0)));
        final long current = of(handler);
        final Set<Long> result = new LinkedHashSet<>();
        for (int v = 0; v < max; v++)
        {
            final long fp = hash(canonical(handler, v));
            if (fp != current)
            {
                result.add(fp);
            }
        }
        return List.copyOf(result);
    }

    /**
     * @param cell a cell.
     * @return its fingerprint as 64 bits.
     */
    static long of(final CellModel cell)
    {
        return hash(canonical(cell));
    }

    /**
     * @param handler a handler.
     * @return its own fingerprint as 64 bits.
     */
    static long of(final Handler handler)
    {
        return hash(canonical(handler));
    }

    /**
     * @param canonical a canonical text.
     * @return the first 8 bytes of its SHA-256, big endian.
     */
    static long hash(final String canonical)
    {
        final byte[] digest = Naming.sha256(canonical.getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < Long.BYTES; i++)
        {
            value = (value << 8) | (digest[i] & 0xFFL);
        }
        return value;
    }

    private static void message(final StringBuilder sb, final String kind, final Message message, final int version)
    {
        sb.append("  ").append(kind).append(' ').append(message.name()).append(' ').append(message.templateId())
            .append('\n');
        block(sb, message.block(), "    ", version);
    }

    private static void block(final StringBuilder sb, final Block block, final String indent, final int version)
    {
        for (final Leaf leaf : block.fixed())
        {
            if (leaf.since() <= version)
            {
                sb.append(indent).append("field ").append(leaf.wireName()).append(' ').append(type(leaf))
                    .append(since(leaf)).append('\n');
            }
        }
        for (final GroupNode group : block.groups())
        {
            sb.append(indent).append("group ").append(group.wireName()).append('\n');
            block(sb, group.block(), indent + "  ", version);
            sb.append(indent).append("end\n");
        }
        for (final Leaf leaf : block.vars())
        {
            if (leaf.since() <= version)
            {
                sb.append(indent).append("data ").append(leaf.wireName()).append(' ').append(type(leaf))
                    .append(since(leaf)).append('\n');
            }
        }
    }

    private static String since(final Leaf leaf)
    {
        return leaf.since() == 0 ? "" : " since " + leaf.since();
    }

    private static String type(final Leaf leaf)
    {
        return switch (leaf.wire())
        {
            case ENUM ->
            {
                final EnumType e = leaf.enumType();
                yield "enum " + e.name() + "(" + String.join(",", e.constants()) + ")";
            }
            case STRING -> "string";
            case BYTES -> "bytes";
            default -> leaf.wire().sbeType();
        };
    }
}
