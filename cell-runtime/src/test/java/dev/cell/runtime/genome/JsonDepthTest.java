package dev.cell.runtime.genome;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A document from a peer (a genome an instance sends) cannot exhaust the reader's stack: nesting stops at
 * {@link Json#MAX_DEPTH} with an {@code IllegalArgumentException}, not a {@code StackOverflowError}.
 */
final class JsonDepthTest
{
    @Test
    void nestingUpToTheLimitReadsDeeperIsRefused()
    {
        final Object deepest = Json.parse("[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH));
        assertTrue(deepest instanceof List<?>);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> Json.parse("{\"a\":".repeat(Json.MAX_DEPTH) + "[" + "1]" + "}".repeat(Json.MAX_DEPTH)));
        assertTrue(ex.getMessage().contains("nests deeper than " + Json.MAX_DEPTH), ex.getMessage());
        final String hostile = "[".repeat(1_000_000);
        assertThrows(IllegalArgumentException.class, () -> Json.parse(hostile));
        assertEquals(Map.of(), Json.parseObject("{}"));
    }
}
