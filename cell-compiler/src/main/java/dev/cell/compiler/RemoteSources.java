package dev.cell.compiler;

import dev.cell.runtime.genome.Genome;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;

/**
 * Java sources for a cell's contract rebuilt from its genome alone, in the consumer's build: per message a record
 * (fields in wire order, {@code @Since} kept), per repeating group an entry record, per enum an enum, per error type
 * a record-style {@code CellError}, and an interface declaring the handlers. Compiled in the same {@code javac} run,
 * the interface is then read like a {@code @Cell} class, so the consumer's client comes from the same generators as
 * the producer's and its fingerprint is checked equal to the genome's.
 * <p>
 * Shapes: a request with no field is a handler without parameters, one with a single plain field takes that field
 * as its parameter, any other takes the request record; a result with no field is {@code void}, one whose only field
 * is {@code value} returns that value, any other returns the result record. Each gives the wire layout it came from.
 */
public final class RemoteSources
{
    /**
     * A field of a message or group, from the SBE schema.
     *
     * @param kind   field, group or data.
     * @param name   the wire name.
     * @param type   the SBE type (for a group: null).
     * @param since  {@code sinceVersion}, 0 when absent.
     * @param fields a group's fields.
     */
    public record Field(String kind, String name, String type, int since, List<Field> fields)
    {
    }

    /**
     * The parsed schema.
     *
     * @param messages message name → fields.
     * @param enums    enum name → constants in value order.
     */
    public record Schema(Map<String, List<Field>> messages, Map<String, List<String>> enums)
    {
    }

    private final Genome genome;
    private final String pkg;
    private final Schema schema;
    private final Map<String, String> sources = new LinkedHashMap<>();

    private RemoteSources(final Genome genome, final String pkg)
    {
        this.genome = genome;
        this.pkg = pkg;
        this.schema = parse(genome.schemaXml());
    }

    /**
     * @param genome the producer's genome.
     * @param pkg    the package to generate into.
     * @param name   simple name of the contract interface.
     * @return simple type name → source, the contract interface included.
     */
    static Map<String, String> generate(final Genome genome, final String pkg, final String name)
    {
        final RemoteSources r = new RemoteSources(genome, pkg);
        r.contract(name);
        return r.sources;
    }

    /**
     * @param xml an SBE schema as cell-compiler writes it.
     * @return its messages and enums.
     * @throws IllegalArgumentException when it cannot be parsed.
     */
    public static Schema parse(final String xml)
    {
        try
        {
            final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            final Document doc = factory.newDocumentBuilder().parse(
                new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
            final Map<String, List<String>> enums = new LinkedHashMap<>();
            final NodeList enumNodes = doc.getElementsByTagName("enum");
            for (int i = 0; i < enumNodes.getLength(); i++)
            {
                final Element e = (Element)enumNodes.item(i);
                final List<String> constants = new ArrayList<>();
                for (final Element v : children(e, "validValue"))
                {
                    constants.add(v.getAttribute("name"));
                }
                enums.put(e.getAttribute("name"), constants);
            }
            final Map<String, List<Field>> messages = new LinkedHashMap<>();
            final NodeList messageNodes = doc.getElementsByTagNameNS("*", "message");
            for (int i = 0; i < messageNodes.getLength(); i++)
            {
                final Element m = (Element)messageNodes.item(i);
                messages.put(m.getAttribute("name"), fields(m));
            }
            return new Schema(messages, enums);
        }
        catch (final Exception ex)
        {
            throw new IllegalArgumentException("the genome's SBE schema cannot be read: " + ex.getMessage(), ex);
        }
    }

    private static List<Field> fields(final Element parent)
    {
        final List<Field> fields = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling())
        {
            if (n instanceof Element e)
            {
                final String kind = e.getLocalName() == null ? e.getTagName() : e.getLocalName();
                final String since = e.getAttribute("sinceVersion");
                final int sinceVersion = since.isEmpty() ? 0 : Integer.parseInt(since);
                switch (kind)
                {
                    case "field", "data" -> fields.add(
                        new Field(kind, e.getAttribute("name"), e.getAttribute("type"), sinceVersion, List.of()));
                    case "group" -> fields.add(new Field(kind, e.getAttribute("name"), null, sinceVersion, fields(e)));
                    default ->
                    {
                    }
                }
            }
        }
        return fields;
    }

    private static List<Element> children(final Element parent, final String name)
    {
        final List<Element> result = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling())
        {
            if (n instanceof Element e && name.equals(e.getTagName()))
            {
                result.add(e);
            }
        }
        return result;
    }

    private void contract(final String name)
    {
        for (final Map.Entry<String, List<String>> e : schema.enums().entrySet())
        {
            enumType(e.getKey(), e.getValue());
        }
        for (final Genome.ErrorType e : genome.errors())
        {
            error(e.name(), message(e.name()));
        }
        final StringBuilder sb = header();
        sb.append("/**\n * Contract of cell {@code ").append(genome.cell()).append("} ").append(genome.version())
            .append(" (genome ").append(genome.fingerprint()).append("), rebuilt from its genome by cell-compiler.\n */\n");
        sb.append("public interface ").append(name).append("\n{\n");
        for (final Genome.Handler h : genome.handlers())
        {
            final List<Field> request = message(h.requestMessage());
            final List<Field> response = message(h.responseMessage());
            final String params;
            if (request.isEmpty())
            {
                params = "";
            }
            else if (request.size() == 1 && !request.getFirst().kind().equals("group") &&
                request.getFirst().since() == 0)
            {
                params = javaType(request.getFirst()) + " " + request.getFirst().name();
            }
            else
            {
                record(h.requestMessage(), request);
                params = h.requestMessage() + " request";
            }
            final String result;
            if (response.isEmpty())
            {
                result = "void";
            }
            else if (response.size() == 1 && response.getFirst().name().equals("value") &&
                !response.getFirst().kind().equals("group") && response.getFirst().since() == 0)
            {
                result = javaType(response.getFirst());
            }
            else
            {
                record(h.responseMessage(), response);
                result = h.responseMessage();
            }
            sb.append("    /**\n     * Handler {@code ").append(h.name()).append("} (fingerprint ")
                .append(h.fingerprint()).append(").\n     */\n");
            sb.append("    ").append(result).append(' ').append(h.name()).append('(').append(params).append(')');
            if (!h.errors().isEmpty())
            {
                sb.append(" throws ").append(String.join(", ", h.errors()));
            }
            sb.append(";\n\n");
        }
        sb.setLength(sb.length() - 1);
        sb.append("}\n");
        sources.put(name, sb.toString());
    }

    private List<Field> message(final String name)
    {
        final List<Field> fields = schema.messages().get(name);
        if (fields == null)
        {
            throw new IllegalArgumentException("genome of cell '" + genome.cell() + "' names message " + name +
                " but its schema has no such message");
        }
        return fields;
    }

    private StringBuilder header()
    {
        final StringBuilder sb = new StringBuilder(1024);
        if (!pkg.isEmpty())
        {
            sb.append("package ").append(pkg).append(";\n\n");
        }
        return sb;
    }

    private void enumType(final String name, final List<String> constants)
    {
        final StringBuilder sb = header();
        sb.append("/**\n * Enum {@code ").append(name).append("} of cell {@code ").append(genome.cell())
            .append("}, rebuilt from its genome.\n */\n");
        sb.append("public enum ").append(name).append("\n{\n");
        for (int i = 0; i < constants.size(); i++)
        {
            sb.append("    /** Constant {@code ").append(constants.get(i)).append("}. */\n    ")
                .append(constants.get(i)).append(i + 1 < constants.size() ? ",\n" : "\n");
        }
        sb.append("}\n");
        sources.put(name, sb.toString());
    }

    private void record(final String name, final List<Field> fields)
    {
        final List<String> components = new ArrayList<>();
        for (final Field f : fields)
        {
            if (f.kind().equals("group"))
            {
                final String entry = name + Naming.capitalize(f.name()) + "Entry";
                record(entry, f.fields());
                components.add("java.util.List<" + entry + "> " + f.name());
            }
            else
            {
                components.add((f.since() == 0 ? "" : "@dev.cell.runtime.Since(" + f.since() + ") ") + javaType(f) +
                    " " + f.name());
            }
        }
        final StringBuilder sb = header();
        sb.append("/**\n * Message {@code ").append(name).append("} of cell {@code ").append(genome.cell())
            .append("}, rebuilt from its genome.\n *\n");
        for (final Field f : fields)
        {
            sb.append(" * @param ").append(f.name()).append(" field {@code ").append(f.name()).append("}.\n");
        }
        sb.append(" */\npublic record ").append(name).append('(').append(String.join(", ", components))
            .append(")\n{\n}\n");
        sources.put(name, sb.toString());
    }

    private void error(final String name, final List<Field> fields)
    {
        final StringBuilder sb = header();
        sb.append("/**\n * Error {@code ").append(name).append("} of cell {@code ").append(genome.cell())
            .append("}, rebuilt from its genome.\n */\n");
        sb.append("public final class ").append(name).append(" extends dev.cell.runtime.CellError\n{\n");
        sb.append("    private static final long serialVersionUID = 1L;\n\n");
        final List<String> params = new ArrayList<>();
        final List<String> text = new ArrayList<>();
        for (final Field f : fields)
        {
            if (f.kind().equals("group"))
            {
                throw new IllegalArgumentException("error type " + name + " of cell '" + genome.cell() +
                    "' has a repeating group, which errors cannot carry");
            }
            sb.append("    private final ").append(javaType(f)).append(' ').append(f.name()).append(";\n");
            params.add("final " + javaType(f) + " " + f.name());
            text.add("\"" + f.name() + "=\" + " + (f.type().equals("varDataEncoding") ?
                "java.util.Arrays.toString(" + f.name() + ")" : "String.valueOf(" + f.name() + ")"));
        }
        if (!fields.isEmpty())
        {
            sb.append('\n');
        }
        sb.append("    /**\n     * Create it.\n");
        for (final Field f : fields)
        {
            sb.append("     *\n     * @param ").append(f.name()).append(" field {@code ").append(f.name())
                .append("}.\n");
        }
        sb.append("     */\n    public ").append(name).append('(').append(String.join(", ", params)).append(")\n")
            .append("    {\n        super(\"").append(name).append("\"").append(text.isEmpty() ? "" :
                " + \" \" + " + String.join(" + \", \" + ", text)).append(");\n");
        for (final Field f : fields)
        {
            sb.append("        this.").append(f.name()).append(" = ").append(f.name()).append(";\n");
        }
        sb.append("    }\n");
        for (final Field f : fields)
        {
            sb.append("\n    /**\n     * @return field {@code ").append(f.name()).append("}.\n     */\n")
                .append("    public ").append(javaType(f)).append(' ').append(f.name()).append("()\n    {\n")
                .append("        return ").append(f.name()).append(";\n    }\n");
        }
        sb.append("}\n");
        sources.put(name, sb.toString());
    }

    private String javaType(final Field f)
    {
        return switch (f.type())
        {
            case "uint8" -> "boolean";
            case "int8" -> "byte";
            case "int16" -> "short";
            case "uint16" -> "char";
            case "int32" -> "int";
            case "int64" -> "long";
            case "float" -> "float";
            case "double" -> "double";
            case "varStringEncoding" -> "String";
            case "varDataEncoding" -> "byte[]";
            default ->
            {
                if (schema.enums().containsKey(f.type()))
                {
                    yield f.type();
                }
                throw new IllegalArgumentException("field '" + f.name() + "' of cell '" + genome.cell() +
                    "' has SBE type " + f.type() + ", which cell-compiler does not generate");
            }
        };
    }
}
