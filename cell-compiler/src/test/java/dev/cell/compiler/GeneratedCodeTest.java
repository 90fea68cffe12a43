package dev.cell.compiler;

import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xml.sax.InputSource;
import uk.co.real_logic.sbe.xml.Message;
import uk.co.real_logic.sbe.xml.MessageSchema;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import java.io.IOException;
import java.io.StringReader;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.LongConsumer;
import javax.tools.Diagnostic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compiles the sample cell in {@code src/test/cells/exchange} with the processor, checks what it generated and runs
 * round trips through the generated client, an {@link InMemoryConnection} and the generated dispatcher.
 */
final class GeneratedCodeTest
{
    private static Compilation.Result exchange;
    private static URLClassLoader loader;

    @BeforeAll
    static void compile()
    {
        exchange = Compilation.compileFolder("exchange", Path.of("src/test/cells/exchange")).assertSuccess();
        loader = exchange.loader();
    }

    @AfterAll
    static void close() throws IOException
    {
        loader.close();
    }

    @Test
    void compilesWithoutWarningsIntoTidySources() throws IOException
    {
        assertTrue(exchange.of(Diagnostic.Kind.WARNING).isEmpty(), exchange::report);
        assertTrue(exchange.of(Diagnostic.Kind.MANDATORY_WARNING).isEmpty(), exchange::report);
        for (final String name : List.of("ExchangeDispatcher", "ExchangeBinding", "ExchangeClient", "ExchangeMapping"))
        {
            final List<String> lines = Files.readAllLines(exchange.generated().resolve("demo/" + name + ".java"));
            for (int i = 0; i < lines.size(); i++)
            {
                final int line = i + 1;
                assertTrue(lines.get(i).length() <= 120, () -> name + ":" + line + " is longer than 120 columns");
                assertTrue(!lines.get(i).endsWith(" "), () -> name + ":" + line + " ends with a space");
            }
        }
        assertTrue(Files.exists(exchange.generated().resolve("demo/exchange/codecs/PlaceOrderRequestEncoder.java")));
        assertTrue(Files.exists(exchange.generated().resolve("demo/exchange/codecs/UnknownSymbolDecoder.java")));
    }

    @Test
    void genomeListsHandlersErrorsAndTemplateIdsInNameOrder() throws Exception
    {
        final Genome genome = Genome.fromJson(exchange.resource("META-INF/cell/exchange.genome.json"));
        assertEquals("exchange", genome.cell());
        assertEquals("1.4.2", genome.version());
        assertEquals(Naming.schemaId("exchange"), genome.schemaId());
        assertEquals(0, genome.schemaVersion());

        final List<String> names = new ArrayList<>();
        for (final Genome.Handler h : genome.handlers())
        {
            names.add(h.name() + " " + h.requestMessage() + "=" + h.requestTemplateId() + " " + h.responseMessage() +
                "=" + h.responseTemplateId() + " " + h.errors());
            assertTrue(h.fingerprint().matches("[0-9a-f]{16}"), h.fingerprint());
        }
        assertEquals(List.of(
            "add AddRequest=1 AddResponse=2 [OrderRejected, UnknownSymbol]",
            "count CountRequest=3 CountResponse=4 []",
            "echo EchoRequest=5 EchoResponse=6 []",
            "fail FailRequest=7 FailResponse=8 []",
            "fills FillsRequest=9 FillsResponse=10 []",
            "ping PingRequest=11 PingResponse=12 []",
            "placeOrder PlaceOrderRequest=13 PlaceOrderResponse=14 [OrderRejected, UnknownSymbol]"), names);
        assertEquals(List.of(new Genome.ErrorType("OrderRejected", 15, "demo.OrderRejected"),
            new Genome.ErrorType("UnknownSymbol", 16, "demo.UnknownSymbol")), genome.errors());

        final long binding = loader.loadClass("demo.ExchangeBinding").getField("FINGERPRINT").getLong(null);
        final long client = loader.loadClass("demo.ExchangeClient").getField("FINGERPRINT").getLong(null);
        assertEquals(genome.fingerprintValue(), binding);
        assertEquals(genome.fingerprintValue(), client);
        assertEquals(genome.schemaId(), loader.loadClass("demo.ExchangeBinding").getField("SCHEMA_ID").getInt(null));
    }

    @Test
    void bindingIsAServiceAndServesTheEmbeddedGenome()
    {
        assertEquals("demo.ExchangeBinding\n",
            exchange.resource("META-INF/services/dev.cell.runtime.service.CellBinding"));
        final List<CellBinding<?>> bindings = new ArrayList<>();
        ServiceLoader.load(CellBinding.class, loader).forEach(bindings::add);
        assertEquals(1, bindings.size());
        final CellBinding<?> binding = bindings.getFirst();
        assertEquals("exchange", binding.cellName());
        assertEquals(Genome.fromJson(exchange.resource("META-INF/cell/exchange.genome.json")), binding.genome());
        assertEquals("demo.Exchange", binding.newCell().getClass().getName());
    }

    @Test
    void schemaValidatesWithSbeWarningsFatal() throws Exception
    {
        final Genome genome = Genome.fromJson(exchange.resource("META-INF/cell/exchange.genome.json"));
        final MessageSchema schema = XmlSchemaParser.parse(new InputSource(new StringReader(genome.schemaXml())),
            ParserOptions.builder().stopOnError(true).warningsFatal(true).build());
        assertEquals(genome.schemaId(), schema.id());
        assertEquals(16, schema.messages().size());
        final Message request = schema.getMessage(13);
        assertEquals("PlaceOrderRequest", request.name());
        final List<String> fields = new ArrayList<>();
        request.fields().forEach(f -> fields.add(f.name()));
        assertEquals(List.of("side", "priceUnits", "priceScale", "quantity", "fills", "symbol", "note"), fields);
        assertTrue(new String(genome.schemaXml().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
            .contains("<validValue name=\"SELL\">1</validValue>"));
    }

    @Test
    void roundTripsThroughClientAndDispatcher() throws Exception
    {
        final Runnable driver = (Runnable)loader.loadClass("demo.ExchangeRoundTrip").getConstructor().newInstance();
        driver.run();
    }

    @Test
    void randomValuesRoundTrip() throws Exception
    {
        final long seed = Long.getLong("cell.test.seed", System.nanoTime());
        System.out.println("GeneratedCodeTest.randomValuesRoundTrip seed=" + seed +
            " (rerun with -Dcell.test.seed=" + seed + ")");
        final LongConsumer driver =
            (LongConsumer)loader.loadClass("demo.ExchangeRandomRoundTrip").getConstructor().newInstance();
        driver.accept(seed);
    }
}
