package dev.cell.cli;

import dev.cell.runtime.CellContext;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.TissueControl;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.UnknownHandlerException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A hand-written parent cell for {@link ScaleFromCodeTest}: once started it scales its child {@code probe} from code
 * — first to the count in its {@code scale-to} file, then to one more (which the tissue's budget must refuse) — off
 * its duty cycle, and writes what its supervisor answered to {@code scale-result} in its folder.
 */
public final class ScalerBinding implements CellBinding<Object>
{
    private static final String SCHEMA = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="test.scaler" id="4546" version="0"
                           byteOrder="littleEndian">
            <types>
                <composite name="messageHeader">
                    <type name="blockLength" primitiveType="uint16"/>
                    <type name="templateId" primitiveType="uint16"/>
                    <type name="schemaId" primitiveType="uint16"/>
                    <type name="version" primitiveType="uint16"/>
                </composite>
            </types>
            <sbe:message name="Nothing" id="1">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
        </sbe:messageSchema>
        """;

    private static final Genome GENOME = new Genome("scaler", "1.0.0", "00000000000000aa", 4546, 0, List.of(),
        List.of(), SCHEMA);

    /**
     * For the service loader.
     */
    public ScalerBinding()
    {
    }

    @Override
    public String cellName()
    {
        return "scaler";
    }

    @Override
    public Genome genome()
    {
        return GENOME;
    }

    @Override
    public Object newCell()
    {
        return new Scaler();
    }

    @Override
    public Dispatcher dispatcher(final Object cell)
    {
        return (buffer, offset, length, out, outOffset) ->
        {
            throw new UnknownHandlerException("scaler", buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF,
                4546);
        };
    }

    static final class Scaler implements CellLifecycle
    {
        @Override
        public void onStart(final CellContext context)
        {
            final TissueControl tissue = context.tissue();
            final Path dir = context.cellDir();
            Thread.ofVirtual().name("scaler").start(() ->
            {
                final StringBuilder result = new StringBuilder();
                try
                {
                    final int to = Integer.parseInt(Files.readString(dir.resolve("scale-to")).strip());
                    result.append(tissue.scale("probe", to)).append('\n');
                    try
                    {
                        result.append(tissue.scale("probe", to + 1)).append('\n');
                    }
                    catch (final TissueControl.Refused ex)
                    {
                        result.append("refused: ").append(ex.getMessage()).append('\n');
                    }
                }
                catch (final IOException | RuntimeException ex)
                {
                    result.append("failed: ").append(ex).append('\n');
                }
                write(dir, result.toString());
            });
        }

        private static void write(final Path dir, final String text)
        {
            try
            {
                final Path tmp = dir.resolve("scale-result.tmp");
                Files.writeString(tmp, text);
                Files.move(tmp, dir.resolve("scale-result"), StandardCopyOption.ATOMIC_MOVE);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
