package dev.cell.compiler;

import dev.cell.runtime.genome.Genome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fingerprint depends on the wire contract only: reordering methods, editing javadoc or renaming a parameter
 * that is not a wire field changes nothing; renaming or retyping a field, a handler or an error field changes it.
 */
final class FingerprintTest
{
    private static final String BASE = """
        package fp;

        import dev.cell.runtime.Cell;

        /** Prices. */
        @Cell(value = "pricing", version = "VERSION")
        public final class Pricing
        {
            /** Quote a symbol. */
            public Quote quote(final QuoteRequest request) throws NoPrice
            {
                throw new NoPrice(request.symbol());
            }

            /** Start over. */
            public void reset()
            {
            }
        }
        """;

    private static final String REORDERED = """
        package fp;

        import dev.cell.runtime.Cell;

        @Cell(value = "pricing", version = "VERSION")
        public final class Pricing
        {
            // Reordered, javadoc removed, the single record parameter renamed: the wire is the same.
            public void reset()
            {
                System.out.println("reset");
            }

            /**
             * Quotes. Completely different words here.
             *
             * @param req what to quote.
             * @return the quote.
             * @throws NoPrice when there is none.
             */
            public Quote quote(final QuoteRequest req) throws NoPrice
            {
                return new Quote(1, 2);
            }
        }
        """;

    private static final String RECORDS = """
        package fp;

        record QuoteRequest(String symbol, int size, Side side)
        {
        }

        record Quote(long bid, long ask)
        {
        }

        enum Side
        {
            BUY, SELL
        }
        """;

    private static final String ERROR = """
        package fp;

        public final class NoPrice extends dev.cell.runtime.CellError
        {
            private static final long serialVersionUID = 1L;
            private final String symbol;

            public NoPrice(final String symbol)
            {
                super("no price for " + symbol);
                this.symbol = symbol;
            }

            public String symbol()
            {
                return symbol;
            }
        }
        """;

    private static Genome base;

    @BeforeAll
    static void compileBase()
    {
        base = genome("fp-base", BASE, RECORDS, ERROR, "1.0.0");
    }

    private static Genome genome(
        final String name, final String cell, final String records, final String error, final String version)
    {
        final Compilation.Result result = Compilation.compile(name, Map.of(
            "fp/Pricing.java", cell.replace("VERSION", version),
            "fp/Records.java", records,
            "fp/NoPrice.java", error)).assertSuccess();
        return Genome.fromJson(result.resource("META-INF/cell/pricing.genome.json"));
    }

    @Test
    void sameWhenMethodsReorderedJavadocChangedAndParameterRenamed()
    {
        final Genome reordered = genome("fp-reordered", REORDERED, RECORDS, ERROR, "1.0.0");
        assertEquals(base.fingerprint(), reordered.fingerprint());
        assertEquals(base.handlers(), reordered.handlers());
        assertEquals(base.schemaXml(), reordered.schemaXml());
    }

    @Test
    void sameForAMinorVersionDifferentForAMajorVersion()
    {
        assertEquals(base.fingerprint(), genome("fp-minor", BASE, RECORDS, ERROR, "1.7.3").fingerprint());
        assertNotEquals(base.fingerprint(), genome("fp-major", BASE, RECORDS, ERROR, "2.0.0").fingerprint());
    }

    @Test
    void differentWhenAFieldIsRenamed()
    {
        final Genome renamed = genome("fp-renamed", BASE, RECORDS.replace("long ask", "long offer"), ERROR, "1.0.0");
        assertNotEquals(base.fingerprint(), renamed.fingerprint());
        assertNotEquals(base.handler("quote").fingerprint(), renamed.handler("quote").fingerprint());
        assertEquals(base.handler("reset").fingerprint(), renamed.handler("reset").fingerprint());
    }

    @Test
    void differentWhenAFieldIsRetyped()
    {
        assertNotEquals(base.fingerprint(),
            genome("fp-retyped", BASE, RECORDS.replace("int size", "long size"), ERROR, "1.0.0").fingerprint());
    }

    @Test
    void differentWhenAnEnumConstantIsAddedOrAnErrorFieldRenamed()
    {
        assertNotEquals(base.fingerprint(),
            genome("fp-enum", BASE, RECORDS.replace("BUY, SELL", "BUY, SELL, SHORT"), ERROR, "1.0.0").fingerprint());
        assertNotEquals(base.fingerprint(),
            genome("fp-error", BASE, RECORDS, ERROR.replace("symbol", "instrument"), "1.0.0").fingerprint());
    }

    @Test
    void differentWhenAHandlerIsRenamed()
    {
        final Genome renamed = genome("fp-handler", BASE.replace("void reset()", "void restart()"), RECORDS, ERROR,
            "1.0.0");
        assertNotEquals(base.fingerprint(), renamed.fingerprint());
        assertTrue(renamed.handler("restart") != null);
    }

    @Test
    void schemaIdIsStableInRangeAndNeverTheProtocols()
    {
        assertEquals(Naming.schemaId("pricing"), base.schemaId());
        for (int i = 0; i < 20_000; i++)
        {
            final int id = Naming.schemaId("cell-" + i);
            assertTrue(id >= 1 && id <= 65_000 && id != 7001, () -> "schema id " + id);
        }
        assertEquals("OrderBook", Naming.classPrefix("order-book"));
        assertEquals("Exchange", Naming.classPrefix("exchange"));
        assertEquals("order_book", Naming.packageSegment("order-book"));
        assertEquals("default_", Naming.packageSegment("default"));
    }
}
