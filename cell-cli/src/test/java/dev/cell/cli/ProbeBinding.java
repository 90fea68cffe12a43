package dev.cell.cli;

import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.UnknownHandlerException;
import dev.cell.tissue.build.MavenBuild;

import java.io.File;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A hand-written cell for tests that start real instances under a real supervisor: {@code probe} with one handler
 * {@code ping} that echoes its value. {@link #cellFolder} writes a cell folder that {@code cell mitosis --no-build}
 * runs from this test class path (no Maven build).
 */
public final class ProbeBinding implements CellBinding<Object>
{
    static final int SCHEMA_ID = 4545;

    private static final String SCHEMA = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="test.probe" id="4545" version="0"
                           byteOrder="littleEndian">
            <types>
                <composite name="messageHeader">
                    <type name="blockLength" primitiveType="uint16"/>
                    <type name="templateId" primitiveType="uint16"/>
                    <type name="schemaId" primitiveType="uint16"/>
                    <type name="version" primitiveType="uint16"/>
                </composite>
            </types>
            <sbe:message name="PingRequest" id="1">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
            <sbe:message name="PingResponse" id="2">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
        </sbe:messageSchema>
        """;

    private static final Genome GENOME = new Genome("probe", "1.0.0", "00000000000000ee", SCHEMA_ID, 0,
        List.of(new Genome.Handler("ping", "PingRequest", 1, "PingResponse", 2, List.of(), "00000000000000ef")),
        List.of(), SCHEMA);

    /**
     * For the service loader.
     */
    public ProbeBinding()
    {
    }

    @Override
    public String cellName()
    {
        return "probe";
    }

    @Override
    public Genome genome()
    {
        return GENOME;
    }

    @Override
    public Object newCell()
    {
        return new Object();
    }

    @Override
    public Dispatcher dispatcher(final Object cell)
    {
        return (buffer, offset, length, out, outOffset) ->
        {
            final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            if (templateId != 1)
            {
                throw new UnknownHandlerException("probe", templateId, SCHEMA_ID);
            }
            out.putShort(outOffset, (short)8, ByteOrder.LITTLE_ENDIAN);
            out.putShort(outOffset + 2, (short)2, ByteOrder.LITTLE_ENDIAN);
            out.putShort(outOffset + 4, (short)SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
            out.putShort(outOffset + 6, (short)0, ByteOrder.LITTLE_ENDIAN);
            out.putLong(outOffset + 8, buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN), ByteOrder.LITTLE_ENDIAN);
            return 16;
        };
    }

    /**
     * Write a runnable cell folder for {@code probe}: {@code cell.toml} (with extra lines), an empty
     * {@code target/classes} that names this binding to the service loader, and {@code target/cell.classpath} =
     * this JVM's class path.
     *
     * @param dir   the folder.
     * @param extra more {@code cell.toml} text (e.g. a {@code [life_cycle]} table).
     * @return the folder.
     * @throws IOException when it cannot be written.
     */
    static Path cellFolder(final Path dir, final String extra) throws IOException
    {
        return cellFolder(dir, ProbeBinding.class, "probe", extra);
    }

    /**
     * Write a runnable cell folder for a hand-written binding of this test class path.
     *
     * @param dir     the folder.
     * @param binding the binding class, named to the service loader.
     * @param name    the cell's name.
     * @param extra   more {@code cell.toml} text.
     * @return the folder.
     * @throws IOException when it cannot be written.
     */
    static Path cellFolder(final Path dir, final Class<?> binding, final String name, final String extra)
        throws IOException
    {
        final Path services = Files.createDirectories(dir.resolve("target/classes/META-INF/services"));
        Files.writeString(services.resolve(CellBinding.class.getName()), binding.getName() + "\n");
        final StringBuilder cp = new StringBuilder();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            cp.append(cp.isEmpty() ? "" : File.pathSeparator).append(Path.of(entry).toAbsolutePath());
        }
        Files.writeString(dir.resolve(MavenBuild.CLASSPATH_FILE), cp.toString());
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"" + name + "\"\n" + extra);
        return dir;
    }
}
