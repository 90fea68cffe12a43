package dev.cell.runtime.genome;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class GenomeCodecTest
{
    static final String SCHEMA = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="test.codecs" id="4242" version="0"
                           byteOrder="littleEndian">
            <types>
                <composite name="messageHeader">
                    <type name="blockLength" primitiveType="uint16"/>
                    <type name="templateId" primitiveType="uint16"/>
                    <type name="schemaId" primitiveType="uint16"/>
                    <type name="version" primitiveType="uint16"/>
                </composite>
                <composite name="groupSizeEncoding">
                    <type name="blockLength" primitiveType="uint16"/>
                    <type name="numInGroup" primitiveType="uint16"/>
                </composite>
                <composite name="varStringEncoding">
                    <type name="length" primitiveType="uint32" maxValue="1073741824"/>
                    <type name="varData" primitiveType="uint8" length="0" characterEncoding="UTF-8"/>
                </composite>
                <composite name="varDataEncoding">
                    <type name="length" primitiveType="uint32" maxValue="1073741824"/>
                    <type name="varData" primitiveType="uint8" length="0"/>
                </composite>
                <enum name="Side" encodingType="uint8">
                    <validValue name="BUY">0</validValue>
                    <validValue name="SELL">1</validValue>
                </enum>
                <enum name="TimeInForce" encodingType="uint8">
                    <validValue name="GTC">0</validValue>
                    <validValue name="IOC">1</validValue>
                    <validValue name="FOK">2</validValue>
                </enum>
            </types>
            <sbe:message name="PlaceOrderRequest" id="1">
                <field name="tiny" id="1" type="int8"/>
                <field name="small" id="2" type="int16"/>
                <field name="medium" id="3" type="int32"/>
                <field name="large" id="4" type="int64"/>
                <field name="flag" id="5" type="uint8"/>
                <field name="letter" id="6" type="uint16"/>
                <field name="unsigned" id="7" type="uint32"/>
                <field name="ratio" id="8" type="float"/>
                <field name="price" id="9" type="double"/>
                <field name="side" id="10" type="Side"/>
                <field name="limitPrice" id="11" type="int64"/>
                <field name="limitTif" id="12" type="TimeInForce"/>
                <group name="legs" id="13" dimensionType="groupSizeEncoding">
                    <field name="qty" id="14" type="int64"/>
                    <field name="legSide" id="15" type="Side"/>
                    <group name="tags" id="16" dimensionType="groupSizeEncoding">
                        <field name="weight" id="17" type="int32"/>
                        <data name="label" id="18" type="varStringEncoding"/>
                    </group>
                    <data name="memo" id="19" type="varStringEncoding"/>
                </group>
                <data name="clientTag" id="20" type="varStringEncoding"/>
                <data name="payload" id="21" type="varDataEncoding"/>
            </sbe:message>
            <sbe:message name="PlaceOrderResponse" id="2">
                <field name="orderId" id="1" type="int64"/>
                <field name="accepted" id="2" type="uint8"/>
            </sbe:message>
            <sbe:message name="PingRequest" id="3">
            </sbe:message>
            <sbe:message name="PingResponse" id="4">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
            <sbe:message name="UnknownSymbol" id="5">
                <data name="symbol" id="1" type="varStringEncoding"/>
            </sbe:message>
        </sbe:messageSchema>
        """;

    static final Genome GENOME = new Genome("exchange", "1.0.0", "0123456789abcdef", 4242, 0,
        List.of(
            new Genome.Handler("ping", "PingRequest", 3, "PingResponse", 4, List.of(), "00000000000000aa"),
            new Genome.Handler("placeOrder", "PlaceOrderRequest", 1, "PlaceOrderResponse", 2,
                List.of("UnknownSymbol"), "00000000000000bb")),
        List.of(new Genome.ErrorType("UnknownSymbol", 5, "test.UnknownSymbol")),
        SCHEMA);

    static final GenomeCodec CODEC = GenomeCodec.of(GENOME);

    static final String ORDER = """
        {"tiny": -5, "small": 300, "medium": -70000, "large": 9000000000, "flag": true, "letter": "x",
         "unsigned": 4000000000, "ratio": 0.5, "price": 101.25, "side": "SELL", "limitPrice": 99,
         "limitTif": "IOC",
         "legs": [
           {"qty": 10, "legSide": "BUY", "tags": [{"weight": 1, "label": "alpha"}, {"weight": 2, "label": "βeta"}],
            "memo": "first"},
           {"qty": 20, "legSide": "SELL", "tags": [], "memo": ""}
         ],
         "clientTag": "order-1 ✓", "payload": "AAEC/w=="}
        """;

    @Test
    void roundTripsEveryKindOfField()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(16);
        final int length = CODEC.encodeRequest("placeOrder", ORDER, buffer, 8);
        final GenomeCodec.Decoded decoded = CODEC.decode(buffer, 8, length);

        assertEquals("PlaceOrderRequest", decoded.message());
        assertEquals(1, decoded.templateId());
        final Map<String, Object> f = decoded.fields();
        assertEquals(-5L, f.get("tiny"));
        assertEquals(300L, f.get("small"));
        assertEquals(-70000L, f.get("medium"));
        assertEquals(9000000000L, f.get("large"));
        assertEquals(1L, f.get("flag"));
        assertEquals((long)'x', f.get("letter"));
        assertEquals(4000000000L, f.get("unsigned"));
        assertEquals(0.5f, f.get("ratio"));
        assertEquals(101.25, f.get("price"));
        assertEquals("SELL", f.get("side"));
        assertEquals("IOC", f.get("limitTif"));
        assertEquals("order-1 ✓", f.get("clientTag"));
        assertEquals("AAEC/w==", f.get("payload"));
        assertEquals("[{\"qty\":10,\"legSide\":\"BUY\",\"tags\":[{\"weight\":1,\"label\":\"alpha\"}," +
            "{\"weight\":2,\"label\":\"βeta\"}],\"memo\":\"first\"},{\"qty\":20,\"legSide\":\"SELL\",\"tags\":[]," +
            "\"memo\":\"\"}]", Json.write(f.get("legs")));
    }

    @Test
    void encodesIntoAFixedBufferAndReportsWhenItDoesNotFit()
    {
        final UnsafeBuffer small = new UnsafeBuffer(new byte[20]);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> CODEC.encodeRequest("placeOrder", ORDER, small, 0));
        assertTrue(ex.getMessage().contains("does not fit"), ex.getMessage());

        final UnsafeBuffer big = new UnsafeBuffer(new byte[64]);
        final int length = CODEC.encodeRequest("ping", "{}", big, 0);
        assertEquals(8, length);
        assertEquals("PingRequest", CODEC.decode(big, 0, length).message());
    }

    @Test
    void decodesResultsAndErrors()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final int length = CODEC.encode("UnknownSymbol", Map.of("symbol", "XYZ"), buffer, 0);
        final GenomeCodec.Decoded decoded = CODEC.decode(buffer, 0, length);
        assertEquals("UnknownSymbol", decoded.message());
        assertEquals("{\"symbol\":\"XYZ\"}", decoded.toJson());
        assertEquals("UnknownSymbol", GENOME.errorByTemplateId(decoded.templateId()).name());

        final int ack = CODEC.encode("PlaceOrderResponse", Map.of("orderId", 7L, "accepted", 1L), buffer, 0);
        assertEquals("{\"orderId\":7,\"accepted\":1}", CODEC.decode(buffer, 0, ack).toJson());
    }

    @Test
    void missingFieldNamesItAndTheExpectedFields()
    {
        final Map<String, Object> json = Json.parseObject(ORDER);
        json.remove("limitPrice");
        final String message = encodeError(json);
        assertTrue(message.contains("handler 'placeOrder'"), message);
        assertTrue(message.contains("missing field 'limitPrice' (int64)"), message);
        assertTrue(message.contains("expected fields: tiny: int8, small: int16"), message);
        assertTrue(message.contains("side: Side (BUY|SELL)"), message);
        assertTrue(message.contains("clientTag: string, payload: base64 bytes"), message);
    }

    @Test
    void missingFieldInsideANestedGroupNamesItsPath()
    {
        final String json = ORDER.replace("{\"weight\": 2, \"label\": \"βeta\"}", "{\"weight\": 2}");
        final String message = encodeError(Json.parseObject(json));
        assertTrue(message.contains("missing field 'legs[0].tags[1].label' (string)"), message);
        assertTrue(message.contains("expected fields: weight: int32, label: string"), message);
    }

    @Test
    void unknownFieldIsRefused()
    {
        final Map<String, Object> json = Json.parseObject(ORDER);
        json.put("prize", 1L);
        final String message = encodeError(json);
        assertTrue(message.contains("unknown field 'prize'"), message);
        assertTrue(message.contains("expected fields: tiny: int8"), message);
    }

    @Test
    void wrongTypesNameFieldExpectedAndGot()
    {
        assertTrue(encodeError(with("large", "abc")).contains(
            "field 'large' expects int64, got string \"abc\""), encodeError(with("large", "abc")));
        assertTrue(encodeError(with("tiny", 300L)).contains("field 'tiny' expects int8 in -127..127, got number 300"));
        assertTrue(encodeError(with("medium", 1.5)).contains("field 'medium' expects int32, got number 1.5"));
        assertTrue(encodeError(with("side", "HOLD")).contains("field 'side' expects one of BUY, SELL, got string " +
            "\"HOLD\""));
        assertTrue(encodeError(with("side", 1L)).contains("field 'side' expects one of BUY, SELL, got number 1"));
        assertTrue(encodeError(with("price", null)).contains("field 'price' expects double, got null"));
        assertTrue(encodeError(with("clientTag", 5L)).contains("field 'clientTag' expects string, got number 5"));
        assertTrue(encodeError(with("payload", "**")).contains("field 'payload' expects base64 bytes"));
        assertTrue(encodeError(with("legs", "none")).contains("field 'legs' expects an array of objects, got " +
            "string \"none\""));
        assertTrue(encodeError(with("unsigned", -1L)).contains("expects uint32 in 0..4294967294, got number -1"));
    }

    @Test
    void unknownHandlerListsTheHandlers()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> CODEC.encodeRequest("cancel", "{}", new ExpandableArrayBuffer(), 0));
        assertEquals("cell 'exchange' has no handler 'cancel'; its handlers: ping, placeOrder", ex.getMessage());
    }

    @Test
    void decodeRefusesTruncatedAndForeignMessages()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final int length = CODEC.encodeRequest("placeOrder", ORDER, buffer, 0);
        final IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class,
            () -> CODEC.decode(buffer, 0, length - 3));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

        buffer.putShort(4, (short)7001);
        final IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
            () -> CODEC.decode(buffer, 0, length));
        assertTrue(foreign.getMessage().contains("schema id 7001"), foreign.getMessage());

        buffer.putShort(4, (short)4242);
        buffer.putShort(2, (short)99);
        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> CODEC.decode(buffer, 0, length));
        assertTrue(unknown.getMessage().contains("template id 99"), unknown.getMessage());
    }

    @Test
    void invalidSchemaIsReported()
    {
        final Genome bad = new Genome("broken", "1.0.0", "0000000000000000", 1, 0, List.of(), List.of(),
            "<not-sbe/>");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> GenomeCodec.of(bad));
        assertTrue(ex.getMessage().startsWith("genome of cell 'broken': its SBE schema cannot be parsed"),
            ex.getMessage());
    }

    @Test
    void describesARequest()
    {
        assertEquals("(none)", CODEC.describeRequest("ping"));
        assertTrue(CODEC.describeRequest("placeOrder").contains(
            "legs: array of {qty: int64, legSide: Side (BUY|SELL), tags: array of {weight: int32, label: string}, " +
            "memo: string}"));
    }

    @Test
    void randomizedRoundTrip()
    {
        final long seed = Long.getLong("genome.codec.seed", System.nanoTime());
        System.out.println("GenomeCodecTest.randomizedRoundTrip seed=" + seed + " (rerun with -Dgenome.codec.seed)");
        final Random random = new Random(seed);
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        for (int i = 0; i < 500; i++)
        {
            final Map<String, Object> order = randomOrder(random);
            final int offset = random.nextInt(32);
            try
            {
                final int length = CODEC.encodeRequest("placeOrder", order, buffer, offset);
                final Map<String, Object> decoded = CODEC.decode(buffer, offset, length).fields();
                assertEquals(normalize(order), normalize(decoded), "iteration " + i);
            }
            catch (final RuntimeException | AssertionError ex)
            {
                throw new AssertionError("seed=" + seed + " iteration " + i + ": " + Json.write(order), ex);
            }
        }
    }

    private static Map<String, Object> randomOrder(final Random r)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("tiny", (long)(r.nextInt(255) - 127));
        m.put("small", (long)(r.nextInt(0xFFFF) - 32767));   // -32767..32767: -32768 is int16's SBE null value
        m.put("medium", r.nextInt(Integer.MAX_VALUE) - (long)(Integer.MAX_VALUE / 2));
        m.put("large", r.nextLong() == Long.MIN_VALUE ? 0L : r.nextLong() / 2);
        m.put("flag", (long)r.nextInt(2));
        m.put("letter", (long)r.nextInt(0xFFFF));
        m.put("unsigned", r.nextLong(0, 0xFFFF_FFFFL));
        m.put("ratio", (double)(float)r.nextGaussian());
        m.put("price", r.nextDouble() * 1e6);
        m.put("side", r.nextBoolean() ? "BUY" : "SELL");
        m.put("limitPrice", r.nextLong());
        m.put("limitTif", List.of("GTC", "IOC", "FOK").get(r.nextInt(3)));
        final List<Object> legs = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--)
        {
            final Map<String, Object> leg = new LinkedHashMap<>();
            leg.put("qty", r.nextLong());
            leg.put("legSide", r.nextBoolean() ? "BUY" : "SELL");
            final List<Object> tags = new ArrayList<>();
            for (int j = r.nextInt(3); j > 0; j--)
            {
                final Map<String, Object> tag = new LinkedHashMap<>();
                tag.put("weight", (long)r.nextInt());
                tag.put("label", randomText(r));
                tags.add(tag);
            }
            leg.put("tags", tags);
            leg.put("memo", randomText(r));
            legs.add(leg);
        }
        m.put("legs", legs);
        m.put("clientTag", randomText(r));
        final byte[] payload = new byte[r.nextInt(40)];
        r.nextBytes(payload);
        m.put("payload", Base64.getEncoder().encodeToString(payload));
        return m;
    }

    private static String randomText(final Random r)
    {
        final StringBuilder sb = new StringBuilder();
        final String alphabet = "abcXYZ 09-_\"\\é€✓";
        for (int i = r.nextInt(20); i > 0; i--)
        {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        if (r.nextInt(10) == 0)
        {
            sb.appendCodePoint(0x1F600);
        }
        return sb.toString();
    }

    private static Object normalize(final Object value)
    {
        return switch (value)
        {
            case Float f -> f.doubleValue();
            case Map<?, ?> map ->
            {
                final Map<Object, Object> out = new LinkedHashMap<>();
                map.forEach((k, v) -> out.put(k, normalize(v)));
                yield out;
            }
            case List<?> list -> list.stream().map(GenomeCodecTest::normalize).toList();
            case null -> null;
            default -> value;
        };
    }

    private static Map<String, Object> with(final String key, final Object value)
    {
        final Map<String, Object> json = Json.parseObject(ORDER);
        json.put(key, value);
        return json;
    }

    private static String encodeError(final Map<String, Object> json)
    {
        return assertThrows(IllegalArgumentException.class,
            () -> CODEC.encodeRequest("placeOrder", json, new ExpandableArrayBuffer(), 0)).getMessage();
    }
}
