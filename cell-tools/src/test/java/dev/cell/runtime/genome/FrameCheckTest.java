package dev.cell.runtime.genome;

import dev.cell.sbe.codecs.HelloEncoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.RequestEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class FrameCheckTest
{
    private static final int BLOCK = 44;
    private static final int LEGS = 8 + BLOCK;

    private static final String VERSIONED = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="test.codecs" id="77" version="1"
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
                <composite name="shortString">
                    <type name="length" primitiveType="uint32" maxValue="16"/>
                    <type name="varData" primitiveType="uint8" length="0" characterEncoding="UTF-8"/>
                </composite>
            </types>
            <sbe:message name="PutRequest" id="1">
                <field name="a" id="1" type="int64"/>
                <field name="b" id="2" type="int64" sinceVersion="1" presence="optional"/>
                <group name="tags" id="3" dimensionType="groupSizeEncoding">
                    <field name="t" id="4" type="int32"/>
                </group>
                <data name="key" id="5" type="shortString"/>
                <data name="note" id="6" type="shortString" sinceVersion="1"/>
            </sbe:message>
            <sbe:message name="PutResponse" id="2">
                <field name="ok" id="1" type="uint8"/>
            </sbe:message>
        </sbe:messageSchema>
        """;

    private static final Genome VERSIONED_GENOME = new Genome("vkv", "1.1.0", "0123456789abcdef", 77, 1,
        List.of(new Genome.Handler("put", "PutRequest", 1, "PutResponse", 2, List.of(), "00000000000000aa")),
        List.of(), VERSIONED);

    private final FrameCheck check = FrameCheck.of(GenomeCodecTest.GENOME);

    private static UnsafeBuffer order()
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(256);
        final int length = GenomeCodecTest.CODEC.encodeRequest("placeOrder", GenomeCodecTest.ORDER, b, 0);
        return new UnsafeBuffer(b.byteArray(), 0, length);
    }

    private static UnsafeBuffer copy(final UnsafeBuffer frame, final int extra)
    {
        final byte[] bytes = new byte[frame.capacity() + extra];
        frame.getBytes(0, bytes, 0, frame.capacity());
        return new UnsafeBuffer(bytes);
    }

    private String refused(final UnsafeBuffer frame)
    {
        assertFalse(check.check(frame, 0, frame.capacity()), "accepted a lie");
        assertEquals(-1, check.end());
        return check.problem();
    }

    @Test
    void acceptsEveryMessageOfTheSchemaAndSaysWhichItIs()
    {
        final UnsafeBuffer frame = order();
        assertTrue(check.check(frame, 0, frame.capacity()), check.problem());
        assertNull(check.problem());
        assertEquals(frame.capacity(), check.end());
        assertEquals(1, check.templateId());
        assertEquals("placeOrder", check.handlerName());
        assertEquals("PlaceOrderRequest", check.messageName());

        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(64);
        int length = GenomeCodecTest.CODEC.encodeRequest("ping", "{}", b, 4);
        assertTrue(check.check(b, 4, length), check.problem());
        assertEquals(4 + length, check.end());
        assertEquals("ping", check.handlerName());
        length = GenomeCodecTest.CODEC.encode("PlaceOrderResponse", Map.of("orderId", 7L, "accepted", 1L), b, 0);
        assertTrue(check.check(b, 0, length), check.problem());
        assertEquals("placeOrder", check.handlerName());
        length = GenomeCodecTest.CODEC.encode("UnknownSymbol", Map.of("symbol", "XYZ"), b, 0);
        assertTrue(check.check(b, 0, length), check.problem());
        assertNull(check.handlerName());
        assertEquals("UnknownSymbol", check.messageName());
    }

    @Test
    void refusesHeaderLies()
    {
        final UnsafeBuffer frame = order();
        assertFalse(check.check(frame, 0, 7));
        assertEquals("cell 'exchange': frame of 7 bytes is shorter than the 8-byte message header", check.problem());
        assertFalse(check.check(frame, 4, frame.capacity()));
        assertTrue(check.problem().contains("extends past the buffer"), check.problem());

        UnsafeBuffer lie = copy(frame, 0);
        lie.putShort(4, (short)4243, ByteOrder.LITTLE_ENDIAN);
        assertEquals("cell 'exchange': schema id 4243 is not its schema id 4242", refused(lie));
        lie = copy(frame, 0);
        lie.putShort(2, (short)99, ByteOrder.LITTLE_ENDIAN);
        assertEquals("cell 'exchange': no message has template id 99", refused(lie));
        assertEquals(99, check.templateId());
        lie = copy(frame, 0);
        lie.putShort(0, (short)43, ByteOrder.LITTLE_ENDIAN);
        assertEquals("handler 'placeOrder': block length 43 is shorter than the 44 bytes its fixed fields take at " +
            "version 0", refused(lie));
        lie = copy(frame, 0);
        lie.putShort(0, (short)0xFFFF, ByteOrder.LITTLE_ENDIAN);
        assertTrue(refused(lie).startsWith("handler 'placeOrder': block length 65535 exceeds the "), check.problem());
    }

    @Test
    void refusesGroupLies()
    {
        final UnsafeBuffer frame = order();
        UnsafeBuffer lie = copy(frame, 0);
        lie.putShort(LEGS + 2, (short)0xFFFF, ByteOrder.LITTLE_ENDIAN);
        assertEquals("handler 'placeOrder' group 'legs': count 65535 exceeds the schema's maximum 65534",
            refused(lie));
        lie = copy(frame, 0);
        lie.putShort(LEGS + 2, (short)30_000, ByteOrder.LITTLE_ENDIAN);
        assertTrue(refused(lie).startsWith("handler 'placeOrder' group 'legs': 30000 entries of 9 bytes exceed the "),
            check.problem());
        lie = copy(frame, 0);
        lie.putShort(LEGS, (short)8, ByteOrder.LITTLE_ENDIAN);
        assertEquals("handler 'placeOrder' group 'legs': entry block length 8 is shorter than the 9 bytes its fixed " +
            "fields take at version 0", refused(lie));
        lie = copy(frame, 0);
        // The first leg's nested group 'tags' follows its 9-byte block.
        lie.putShort(LEGS + 4 + 9 + 2, (short)5_000, ByteOrder.LITTLE_ENDIAN);
        assertTrue(refused(lie).startsWith("handler 'placeOrder' group 'legs.tags' (entry 0): 5000 entries of 4 "),
            check.problem());
        lie = copy(frame, 0);
        lie.putByte(LEGS + 4 + 8, (byte)7);
        assertEquals("handler 'placeOrder' field 'legs.legSide' (entry 0): value 7 is none of its 2 valid values " +
            "(nor its null value 255)", refused(lie));
        lie = copy(frame, 0);
        lie.putByte(LEGS + 4 + 8, (byte)0xFF);
        assertTrue(check.check(lie, 0, lie.capacity()), "the null value of an enum is legal: " + check.problem());
    }

    @Test
    void refusesVarDataAndEnumLies()
    {
        final UnsafeBuffer frame = order();
        final int total = frame.capacity();
        final int clientTagLength = total - 4 - 4 - 11 - 4;
        UnsafeBuffer lie = copy(frame, 0);
        lie.putInt(clientTagLength, 0x7FFF_FFFF, ByteOrder.LITTLE_ENDIAN);
        assertEquals("handler 'placeOrder' field 'clientTag': length 2147483647 exceeds the 19 bytes left",
            refused(lie));
        lie = copy(frame, 0);
        lie.putInt(total - 8, -1, ByteOrder.LITTLE_ENDIAN);
        assertEquals("handler 'placeOrder' field 'payload': length 4294967295 exceeds the 4 bytes left",
            refused(lie));
        lie = copy(frame, 0);
        lie.putByte(8 + 34, (byte)2);
        assertTrue(refused(lie).startsWith("handler 'placeOrder' field 'side': value 2 is none of its 2 valid values"),
            check.problem());
        lie = copy(frame, 0);
        lie.putByte(8 + 43, (byte)3);
        assertTrue(refused(lie).startsWith("handler 'placeOrder' field 'limitTif': value 3"), check.problem());
    }

    @Test
    void refusesEveryTruncationAndAcceptsTrailingBytes()
    {
        final UnsafeBuffer frame = order();
        for (int length = 0; length < frame.capacity(); length++)
        {
            assertFalse(check.check(frame, 0, length), "accepted a frame cut to " + length + " bytes");
            assertTrue(check.problem().startsWith(length < 8 ? "cell 'exchange'" : "handler 'placeOrder'"),
                check.problem());
        }
        final UnsafeBuffer longer = copy(frame, 10);
        assertTrue(check.check(longer, 0, longer.capacity()), check.problem());
        assertEquals(frame.capacity(), check.end());
    }

    @Test
    void honoursActingVersionAndTheSchemasMaximumLengths()
    {
        final FrameCheck v = FrameCheck.of(VERSIONED_GENOME);
        // Version 0: block of 8 (no 'b'), no 'note'.
        final UnsafeBuffer f = new UnsafeBuffer(new byte[64]);
        header(f, 8, 1, 77, 0);
        f.putLong(8, 5);
        f.putShort(16, (short)4, ByteOrder.LITTLE_ENDIAN);
        f.putShort(18, (short)1, ByteOrder.LITTLE_ENDIAN);
        f.putInt(20, 9);
        f.putInt(24, 3, ByteOrder.LITTLE_ENDIAN);
        f.putBytes(28, new byte[] {'a', 'b', 'c'});
        assertTrue(v.check(f, 0, 31), v.problem());
        assertEquals(31, v.end());
        assertEquals(0, v.actingVersion());

        // The same frame claiming version 1 is short of 'b' in its block.
        header(f, 8, 1, 77, 1);
        assertFalse(v.check(f, 0, 31));
        assertEquals("handler 'put': block length 8 is shorter than the 16 bytes its fixed fields take at version 1",
            v.problem());

        // Version 2 (newer than the schema): a longer block and a 'note'; trailing fields of its own are ignored.
        final UnsafeBuffer g = new UnsafeBuffer(new byte[96]);
        header(g, 24, 1, 77, 2);
        int at = 8 + 24;
        g.putShort(at, (short)4, ByteOrder.LITTLE_ENDIAN);
        g.putShort(at + 2, (short)0, ByteOrder.LITTLE_ENDIAN);
        at += 4;
        g.putInt(at, 2, ByteOrder.LITTLE_ENDIAN);
        at += 6;
        g.putInt(at, 16, ByteOrder.LITTLE_ENDIAN);
        at += 20;
        assertTrue(v.check(g, 0, at), v.problem());
        assertEquals(at, v.end());
        g.putInt(at - 20, 17, ByteOrder.LITTLE_ENDIAN);
        assertFalse(v.check(g, 0, at + 30));
        assertEquals("handler 'put' field 'note': length 17 exceeds the schema's maximum 16", v.problem());
    }

    @Test
    void checksProtocolFramesAndFindsTheCellMessageAfterAnEnvelope()
    {
        final FrameCheck protocol = FrameCheck.protocol();
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(256);
        final HelloEncoder hello = new HelloEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder());
        hello.clientPid(1).fingerprint(2).protocolVersion(1).cell("kv").clientName("me").handlers("");
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + hello.encodedLength();
        assertTrue(protocol.check(b, 0, length), protocol.problem());
        assertEquals("Hello", protocol.messageName());
        b.putInt(MessageHeaderEncoder.ENCODED_LENGTH + HelloEncoder.BLOCK_LENGTH, 0x7FFF_FFFF,
            ByteOrder.LITTLE_ENDIAN);
        assertFalse(protocol.check(b, 0, length));
        assertTrue(protocol.problem().startsWith("message 'Hello' field 'cell': length 2147483647 exceeds the "),
            protocol.problem());

        final RequestEncoder request = new RequestEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder());
        request.correlationId(1).sequence(1).deadlineEpochNs(0);
        final int app = MessageHeaderEncoder.ENCODED_LENGTH + RequestEncoder.BLOCK_LENGTH;
        final int appLength = GenomeCodecTest.CODEC.encodeRequest("ping", "{}", b, app);
        assertTrue(protocol.check(b, 0, app + appLength), protocol.problem());
        assertEquals(app, protocol.end());
        assertTrue(check.check(b, protocol.end(), app + appLength - protocol.end()), check.problem());
        assertEquals("ping", check.handlerName());
    }

    @Test
    void checkingAllocatesNothing()
    {
        final UnsafeBuffer frame = order();
        final UnsafeBuffer lie = copy(frame, 0);
        lie.putInt(frame.capacity() - 8, 1 << 20, ByteOrder.LITTLE_ENDIAN);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++)
        {
            check.check(frame, 0, frame.capacity());
            check.check(lie, 0, lie.capacity());
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        int accepted = 0;
        for (int i = 0; i < 100_000; i++)
        {
            accepted += check.check(frame, 0, frame.capacity()) ? 1 : 0;
            accepted += check.check(lie, 0, lie.capacity()) ? 1 : 0;
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(100_000, accepted);
        // A single allocation per check would be 200,000 objects; what the JIT and the bean itself take is a few KiB.
        assertTrue(allocated < 16 * 1024, "200,000 checks allocated " + allocated + " bytes");
    }

    @Test
    void whatItAcceptsTheJsonCodecDecodes()
    {
        final long seed = System.nanoTime();
        System.out.println("FrameCheckTest seed " + seed);
        final Random random = new Random(seed);
        final UnsafeBuffer frame = order();
        final UnsafeBuffer work = copy(frame, 16);
        int accepted = 0;
        for (int i = 0; i < 50_000; i++)
        {
            work.putBytes(0, frame, 0, frame.capacity());
            int length = frame.capacity();
            final int flips = 1 + random.nextInt(3);
            for (int j = 0; j < flips; j++)
            {
                switch (random.nextInt(4))
                {
                    case 0 -> work.putByte(random.nextInt(length), (byte)random.nextInt());
                    case 1 -> work.putByte(random.nextInt(length), (byte)(work.getByte(random.nextInt(length)) ^
                        (1 << random.nextInt(8))));
                    case 2 -> length = Math.max(0, length - random.nextInt(8));
                    default -> length = Math.min(work.capacity(), length + random.nextInt(8));
                }
            }
            if (check.check(work, 0, length))
            {
                accepted++;
                final int n = length;
                assertDoesNotThrow(() -> GenomeCodecTest.CODEC.decode(work, 0, n), "seed " + seed + " frame " + i);
            }
            else
            {
                assertTrue(check.problem() != null && !check.problem().isEmpty());
            }
        }
        assertTrue(accepted > 1_000, "only " + accepted + " mutated frames were accepted (seed " + seed + ")");
    }

    private static void header(final MutableDirectBuffer b, final int blockLength, final int templateId,
        final int schemaId, final int version)
    {
        b.putShort(0, (short)blockLength, ByteOrder.LITTLE_ENDIAN);
        b.putShort(2, (short)templateId, ByteOrder.LITTLE_ENDIAN);
        b.putShort(4, (short)schemaId, ByteOrder.LITTLE_ENDIAN);
        b.putShort(6, (short)version, ByteOrder.LITTLE_ENDIAN);
    }
}
