package dev.cell.runtime.junction;

import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.UnknownHandlerException;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A hand-written cell for the data plane tests (no compiler): messages are an 8-byte SBE-style header
 * (blockLength, templateId, schemaId, version) followed by raw payload bytes.
 */
final class EchoCell
{
    static final String NAME = "echo";
    static final int SCHEMA_ID = 42;
    static final String FINGERPRINT = "00000000000000aa";

    static final int ECHO = 1;
    static final int FAIL = 2;
    static final int BOOM = 3;
    static final int SLOW = 4;
    static final int BIG = 5;
    static final int ECHO_REPLY = 101;
    static final int ERROR_REPLY = 201;

    private EchoCell()
    {
    }

    static Genome genome()
    {
        return genome(FINGERPRINT);
    }

    static Genome genome(final String fingerprint)
    {
        return new Genome(NAME, "1.0.0", fingerprint, SCHEMA_ID, 0,
            List.of(
                new Genome.Handler("boom", "BoomRequest", BOOM, "BoomResponse", 103, List.of(), "01"),
                new Genome.Handler("echo", "EchoRequest", ECHO, "EchoResponse", ECHO_REPLY, List.of(), "02"),
                new Genome.Handler("fail", "FailRequest", FAIL, "FailResponse", 102, List.of("Nope"), "03")),
            List.of(new Genome.ErrorType("Nope", ERROR_REPLY, "test.Nope")),
            SCHEMA);
    }

    /**
     * The echo cell's SBE schema: every message an empty block, so any payload after the header is the block (what a
     * frame check accepts as long as the header's block length fits the frame).
     */
    static final String SCHEMA = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="echo.codecs" id="42" version="0"
                           byteOrder="littleEndian">
            <types>
                <composite name="messageHeader">
                    <type name="blockLength" primitiveType="uint16"/>
                    <type name="templateId" primitiveType="uint16"/>
                    <type name="schemaId" primitiveType="uint16"/>
                    <type name="version" primitiveType="uint16"/>
                </composite>
            </types>
            <sbe:message name="EchoRequest" id="1"/>
            <sbe:message name="FailRequest" id="2"/>
            <sbe:message name="BoomRequest" id="3"/>
            <sbe:message name="SlowRequest" id="4"/>
            <sbe:message name="BigRequest" id="5"/>
            <sbe:message name="EchoResponse" id="101"/>
            <sbe:message name="FailResponse" id="102"/>
            <sbe:message name="BoomResponse" id="103"/>
            <sbe:message name="Nope" id="201"/>
        </sbe:messageSchema>
        """;

    static Dispatcher dispatcher()
    {
        return (final DirectBuffer buffer, final int offset, final int length, final MutableDirectBuffer out,
            final int outOffset) ->
        {
            final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final int schemaId = buffer.getShort(offset + 4, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            if (schemaId != SCHEMA_ID)
            {
                throw new UnknownHandlerException(NAME, templateId, schemaId);
            }
            final int payload = length - 8;
            switch (templateId)
            {
                case ECHO ->
                {
                    header(out, outOffset, ECHO_REPLY, payload);
                    out.putBytes(outOffset + 8, buffer, offset + 8, payload);
                    return 8 + payload;
                }
                case FAIL ->
                {
                    header(out, outOffset, ERROR_REPLY, 0);
                    return -8;
                }
                case BOOM -> throw new IllegalStateException("boom: the handler broke");
                case SLOW ->
                {
                    final long millis = buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
                    header(out, outOffset, ECHO_REPLY, 0);
                    return 8;
                }
                case BIG ->
                {
                    final int size = buffer.getInt(offset + 8, ByteOrder.LITTLE_ENDIAN);
                    header(out, outOffset, ECHO_REPLY, size);
                    out.setMemory(outOffset + 8, size, (byte)7);
                    return 8 + size;
                }
                default -> throw new UnknownHandlerException(NAME, templateId, schemaId);
            }
        };
    }

    static void header(final MutableDirectBuffer out, final int offset, final int templateId, final int block)
    {
        out.putShort(offset, (short)block, ByteOrder.LITTLE_ENDIAN);
        out.putShort(offset + 2, (short)templateId, ByteOrder.LITTLE_ENDIAN);
        out.putShort(offset + 4, (short)SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
        out.putShort(offset + 6, (short)0, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @return a request of the test cell in {@code buffer} at 0; its length.
     */
    static int request(final ExpandableArrayBuffer buffer, final int templateId, final long payload)
    {
        header(buffer, 0, templateId, 8);
        buffer.putLong(8, payload, ByteOrder.LITTLE_ENDIAN);
        return 16;
    }
}
