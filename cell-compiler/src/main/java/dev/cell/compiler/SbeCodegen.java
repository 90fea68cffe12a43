package dev.cell.compiler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.annotation.processing.Filer;
import javax.lang.model.element.Element;

import org.agrona.generation.DynamicPackageOutputManager;
import org.xml.sax.InputSource;
import uk.co.real_logic.sbe.generation.common.PrecedenceChecks;
import uk.co.real_logic.sbe.generation.java.JavaGenerator;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.MessageSchema;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

/**
 * Runs SBE's own parser, validator and Java generator over a cell's schema, writing the codecs through the
 * {@link Filer} so that they compile in the same {@code javac} run as the code that uses them.
 */
final class SbeCodegen
{
    private SbeCodegen()
    {
    }

    /**
     * Thrown when SBE rejects a schema; carries what SBE printed.
     */
    static final class SchemaException extends Exception
    {
        private static final long serialVersionUID = 1L;

        SchemaException(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }

    /**
     * Parse and validate a schema (errors stop the parse; warnings are returned).
     *
     * @param xml the schema.
     * @return SBE's intermediate representation and its warnings.
     * @throws SchemaException when SBE finds an error.
     */
    static Parsed parse(final String xml) throws SchemaException
    {
        final ByteArrayOutputStream messages = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(messages, true, StandardCharsets.UTF_8);
        final ParserOptions options = ParserOptions.builder()
            .stopOnError(true)
            .warningsFatal(false)
            .errorPrintStream(out)
            .build();
        try
        {
            final MessageSchema schema = XmlSchemaParser.parse(new InputSource(new StringReader(xml)), options);
            final Ir ir = new IrGenerator().generate(schema);
            return new Parsed(ir, messages.toString(StandardCharsets.UTF_8));
        }
        catch (final Exception ex)
        {
            throw new SchemaException(
                "SBE rejected the generated schema: " + ex + "\n" + messages.toString(StandardCharsets.UTF_8), ex);
        }
    }

    /**
     * A parsed schema.
     *
     * @param ir       SBE's intermediate representation.
     * @param warnings what SBE's validator printed (empty when nothing).
     */
    record Parsed(Ir ir, String warnings)
    {
    }

    /**
     * Generate SBE's Java codecs (no precedence checks, no interfaces) through the filer.
     *
     * @param ir         the parsed schema.
     * @param filer      where to write.
     * @param originator the {@code @Cell} class they are generated for.
     * @throws IOException when the filer refuses a file.
     */
    static void generate(final Ir ir, final Filer filer, final Element originator) throws IOException
    {
        final PrecedenceChecks precedenceChecks = PrecedenceChecks.newInstance(
            new PrecedenceChecks.Context().shouldGeneratePrecedenceChecks(false));
        final CollectingOutputManager output = new CollectingOutputManager(ir.applicableNamespace());
        final JavaGenerator generator = new JavaGenerator(
            ir,
            "org.agrona.MutableDirectBuffer",
            "org.agrona.DirectBuffer",
            false,
            false,
            false,
            false,
            precedenceChecks,
            output);
        generator.generate();
        // SBE writes some classes twice (the message header as a composite and as the header stub): the filer
        // accepts each file once, so the last version of each is written after the generator is done.
        for (final Map.Entry<String, StringWriter> file : output.files.entrySet())
        {
            try (Writer out = filer.createSourceFile(file.getKey(), originator).openWriter())
            {
                out.write(file.getValue().toString());
            }
        }
    }

    /**
     * Collects what SBE generates, per qualified class name.
     */
    private static final class CollectingOutputManager implements DynamicPackageOutputManager
    {
        private final Map<String, StringWriter> files = new LinkedHashMap<>();
        private String packageName;

        CollectingOutputManager(final String packageName)
        {
            this.packageName = packageName;
        }

        @Override
        public void setPackageName(final String packageName)
        {
            this.packageName = packageName;
        }

        @Override
        public Writer createOutput(final String name)
        {
            final StringWriter writer = new StringWriter(8192);
            files.put(packageName == null || packageName.isEmpty() ? name : packageName + "." + name, writer);
            return writer;
        }
    }
}
