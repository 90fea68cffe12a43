package dev.cell.tissue.observe;

import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.UnknownHandlerException;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.List;

/**
 * A hand-written cell with two handlers for the metrics tests: {@code alpha} (template 1) echoes its 8-byte value,
 * {@code beta} (template 2) answers its declared error {@code Nope} when the value is negative, else echoes it.
 */
final class MeterCell
{
    static final String NAME = "meter";
    static final int ALPHA = 1;
    static final int BETA = 2;
    private static final int SCHEMA_ID = 4646;
    private static final int REPLY = 11;
    private static final int NOPE = 21;

    private static final String SCHEMA = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="test.meter" id="4646" version="0"
                           byteOrder="littleEndian">
            <types>
                <composite name="messageHeader">
                    <type name="blockLength" primitiveType="uint16"/>
                    <type name="templateId" primitiveType="uint16"/>
                    <type name="schemaId" primitiveType="uint16"/>
                    <type name="version" primitiveType="uint16"/>
                </composite>
            </types>
            <sbe:message name="AlphaRequest" id="1">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
            <sbe:message name="BetaRequest" id="2">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
            <sbe:message name="Reply" id="11">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
            <sbe:message name="Nope" id="21"/>
        </sbe:messageSchema>
        """;

    static final Genome GENOME = new Genome(NAME, "1.0.0", "000000000000a1b2", SCHEMA_ID, 0,
        List.of(
            new Genome.Handler("alpha", "AlphaRequest", ALPHA, "Reply", REPLY, List.of(), "00000000000000a1"),
            new Genome.Handler("beta", "BetaRequest", BETA, "Reply", REPLY, List.of("Nope"), "00000000000000b1")),
        List.of(new Genome.ErrorType("Nope", NOPE, "test.Nope")), SCHEMA);

    private MeterCell()
    {
    }

    static Dispatcher dispatcher()
    {
        return (buffer, offset, length, out, outOffset) ->
        {
            final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final long value = buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN);
            if (templateId != ALPHA && templateId != BETA)
            {
                throw new UnknownHandlerException(NAME, templateId, SCHEMA_ID);
            }
            if (templateId == BETA && value < 0)
            {
                header(out, outOffset, NOPE, 0);
                return -8;
            }
            header(out, outOffset, REPLY, 8);
            out.putLong(outOffset + 8, value, ByteOrder.LITTLE_ENDIAN);
            return 16;
        };
    }

    /**
     * Write a request of {@code templateId} carrying {@code value} at 0.
     *
     * @return its length.
     */
    static int request(final MutableDirectBuffer buffer, final int templateId, final long value)
    {
        header(buffer, 0, templateId, 8);
        buffer.putLong(8, value, ByteOrder.LITTLE_ENDIAN);
        return 16;
    }

    private static void header(final MutableDirectBuffer out, final int offset, final int templateId, final int block)
    {
        out.putShort(offset, (short)block, ByteOrder.LITTLE_ENDIAN);
        out.putShort(offset + 2, (short)templateId, ByteOrder.LITTLE_ENDIAN);
        out.putShort(offset + 4, (short)SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
        out.putShort(offset + 6, (short)0, ByteOrder.LITTLE_ENDIAN);
    }
}
