package dev.cell.runtime.genome;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A cell's published contract: name, version, SBE schema, handlers, error types and fingerprint.
 * <p>
 * Written by {@code cell-compiler} into the cell's jar as {@code META-INF/cell/<cell>.genome.json}, served by a
 * running instance on a genome request, and read by generic clients ({@code cell call}) to encode JSON arguments.
 * The fingerprint is computed by the compiler over a canonical form of the contract (names, types, order, versions),
 * never over source text: equal fingerprints mean wire-compatible contracts.
 *
 * @param cell          the cell's name.
 * @param version       the contract's semantic version.
 * @param fingerprint   16 hex digits (64 bits).
 * @param schemaId      SBE schema id of the cell's messages.
 * @param schemaVersion SBE schema version of the cell's messages.
 * @param handlers      the handlers, sorted by name.
 * @param errors        the error types declared by any handler, sorted by name.
 * @param schemaXml     the SBE schema.
 * @since 0.1
 */
public record Genome(
    String cell,
    String version,
    String fingerprint,
    int schemaId,
    int schemaVersion,
    List<Handler> handlers,
    List<ErrorType> errors,
    String schemaXml)
{
    /**
     * Folder inside a jar where genomes live.
     */
    public static final String RESOURCE_DIR = "META-INF/cell/";

    /**
     * One handler.
     *
     * @param name               the handler's (method's) name.
     * @param requestMessage     SBE message name of its request.
     * @param requestTemplateId  SBE template id of its request.
     * @param responseMessage    SBE message name of its result.
     * @param responseTemplateId SBE template id of its result.
     * @param errors             names of the error types it declares.
     * @param fingerprint        fingerprint of this handler alone (16 hex digits).
     * @param compatible         fingerprints of this handler's earlier shapes that it still serves: the shape at
     *                           each earlier schema version, before optional fields ({@code @Since}) were added.
     * @param idempotent         true when a request may be delivered twice ({@code @Idempotent}, {@code @Query}):
     *                           a racing client may hedge it and repeat it on another instance after a failure.
     */
    public record Handler(
        String name,
        String requestMessage,
        int requestTemplateId,
        String responseMessage,
        int responseTemplateId,
        List<String> errors,
        String fingerprint,
        List<String> compatible,
        boolean idempotent)
    {
        /**
         * Canonical constructor: copies the lists.
         */
        public Handler
        {
            errors = List.copyOf(errors);
            compatible = List.copyOf(compatible);
        }

        /**
         * A handler with no earlier shapes.
         *
         * @param name               the handler's name.
         * @param requestMessage     SBE message name of its request.
         * @param requestTemplateId  SBE template id of its request.
         * @param responseMessage    SBE message name of its result.
         * @param responseTemplateId SBE template id of its result.
         * @param errors             names of the error types it declares.
         * @param fingerprint        fingerprint of this handler alone.
         */
        public Handler(
            final String name,
            final String requestMessage,
            final int requestTemplateId,
            final String responseMessage,
            final int responseTemplateId,
            final List<String> errors,
            final String fingerprint)
        {
            this(name, requestMessage, requestTemplateId, responseMessage, responseTemplateId, errors, fingerprint,
                List.of(), false);
        }

        /**
         * @param handlerFingerprint a handler fingerprint a client was built against (16 hex digits).
         * @return true when this handler serves a client built against that shape.
         */
        public boolean accepts(final String handlerFingerprint)
        {
            return fingerprint.equals(handlerFingerprint) || compatible.contains(handlerFingerprint);
        }
    }

    /**
     * One error type.
     *
     * @param name       SBE message name (the error class's simple name).
     * @param templateId SBE template id.
     * @param javaType   the error class's binary name in the producer's code.
     */
    public record ErrorType(String name, int templateId, String javaType)
    {
    }

    /**
     * Canonical constructor: copies the lists.
     */
    public Genome
    {
        Objects.requireNonNull(cell, "cell");
        handlers = List.copyOf(handlers);
        errors = List.copyOf(errors);
    }

    /**
     * @param cell a cell name.
     * @return where that cell's genome lives inside a jar.
     */
    public static String resourceName(final String cell)
    {
        return RESOURCE_DIR + cell + ".genome.json";
    }

    /**
     * Read a genome that a build wrote onto the class path (the producer's {@link #resourceName}, or the genome a
     * {@code @CellRemote} client was generated from, written next to it).
     *
     * @param loader   the class loader to read it through.
     * @param resource the resource's name (no leading slash).
     * @return the genome.
     * @throws IllegalStateException when the resource is missing.
     * @throws java.io.UncheckedIOException when it cannot be read.
     * @throws IllegalArgumentException when it is not a genome.
     */
    public static Genome fromResource(final ClassLoader loader, final String resource)
    {
        try (java.io.InputStream in = loader.getResourceAsStream(resource))
        {
            if (in == null)
            {
                throw new IllegalStateException(resource + " is missing from the class path; cell-compiler writes it " +
                    "next to the classes it generates: rebuild");
            }
            return fromJson(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException("cannot read " + resource, ex);
        }
    }

    /**
     * @return the major version (0 when the version does not start with a number).
     */
    public int major()
    {
        return major(version);
    }

    /**
     * @param version a semantic version.
     * @return its major part, 0 when it does not start with a number.
     */
    public static int major(final String version)
    {
        int i = 0;
        while (i < version.length() && Character.isDigit(version.charAt(i)))
        {
            i++;
        }
        return i == 0 ? 0 : Integer.parseInt(version.substring(0, Math.min(i, 9)));
    }

    /**
     * The name instances of this genome serve under: the cell's name for major versions 0 and 1, {@code name@major}
     * from 2 on, so that a new major version runs side by side with the old one and each keeps its own consumers.
     *
     * @return the served name, e.g. {@code exchange} or {@code exchange@2}.
     */
    public String servedName()
    {
        return servedName(cell, version);
    }

    /**
     * @param cell    a cell name.
     * @param version its version.
     * @return the name its instances serve under.
     */
    public static String servedName(final String cell, final String version)
    {
        final int major = major(version);
        return major <= 1 ? cell : cell + "@" + major;
    }

    /**
     * @param name a handler name.
     * @return the handler, or null when there is none of that name.
     */
    public Handler handler(final String name)
    {
        for (final Handler h : handlers)
        {
            if (h.name().equals(name))
            {
                return h;
            }
        }
        return null;
    }

    /**
     * @param templateId an SBE template id.
     * @return the error type with that template id, or null.
     */
    public ErrorType errorByTemplateId(final int templateId)
    {
        for (final ErrorType e : errors)
        {
            if (e.templateId() == templateId)
            {
                return e;
            }
        }
        return null;
    }

    /**
     * @return the fingerprint as the 64-bit value that travels in a Hello.
     */
    public long fingerprintValue()
    {
        return parseFingerprint(fingerprint);
    }

    /**
     * @param value a 64-bit fingerprint.
     * @return it as 16 hex digits.
     */
    public static String fingerprintHex(final long value)
    {
        return String.format("%016x", value);
    }

    /**
     * @param hex 16 hex digits.
     * @return the 64-bit value.
     */
    public static long parseFingerprint(final String hex)
    {
        return Long.parseUnsignedLong(hex, 16);
    }

    /**
     * @return the genome as JSON.
     */
    public String toJson()
    {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("cell", cell);
        root.put("version", version);
        root.put("fingerprint", fingerprint);
        root.put("schemaId", schemaId);
        root.put("schemaVersion", schemaVersion);
        final List<Object> hs = new ArrayList<>();
        for (final Handler h : handlers)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.name());
            m.put("requestMessage", h.requestMessage());
            m.put("requestTemplateId", h.requestTemplateId());
            m.put("responseMessage", h.responseMessage());
            m.put("responseTemplateId", h.responseTemplateId());
            m.put("errors", h.errors());
            m.put("fingerprint", h.fingerprint());
            if (!h.compatible().isEmpty())
            {
                m.put("compatible", h.compatible());
            }
            if (h.idempotent())
            {
                m.put("idempotent", true);
            }
            hs.add(m);
        }
        root.put("handlers", hs);
        final List<Object> es = new ArrayList<>();
        for (final ErrorType e : errors)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("templateId", e.templateId());
            m.put("javaType", e.javaType());
            es.add(m);
        }
        root.put("errors", es);
        root.put("schema", schemaXml);
        return Json.write(root);
    }

    /**
     * @param json a genome as written by {@link #toJson()}.
     * @return the genome.
     * @throws IllegalArgumentException naming the missing or malformed field.
     */
    @SuppressWarnings("unchecked")
    public static Genome fromJson(final String json)
    {
        final Map<String, Object> root = Json.parseObject(json);
        final List<Handler> handlers = new ArrayList<>();
        for (final Object o : list(root, "handlers"))
        {
            final Map<String, Object> m = (Map<String, Object>)o;
            final List<String> errors = new ArrayList<>();
            for (final Object e : list(m, "errors"))
            {
                errors.add((String)e);
            }
            final List<String> compatible = new ArrayList<>();
            if (m.get("compatible") instanceof List<?> l)
            {
                for (final Object c : l)
                {
                    compatible.add((String)c);
                }
            }
            handlers.add(new Handler(
                string(m, "name"),
                string(m, "requestMessage"),
                integer(m, "requestTemplateId"),
                string(m, "responseMessage"),
                integer(m, "responseTemplateId"),
                errors,
                string(m, "fingerprint"),
                compatible,
                Boolean.TRUE.equals(m.get("idempotent"))));
        }
        final List<ErrorType> errors = new ArrayList<>();
        for (final Object o : list(root, "errors"))
        {
            final Map<String, Object> m = (Map<String, Object>)o;
            errors.add(new ErrorType(string(m, "name"), integer(m, "templateId"), string(m, "javaType")));
        }
        return new Genome(
            string(root, "cell"),
            string(root, "version"),
            string(root, "fingerprint"),
            integer(root, "schemaId"),
            integer(root, "schemaVersion"),
            handlers,
            errors,
            schemaText(string(root, "schema")));
    }

    /**
     * A genome may come from another process (an instance answering a genome request): its schema is XML that SBE's
     * parser will read. An SBE schema never needs a document type, so one that declares any (and with it external
     * entities, entity expansion) is refused before a parser sees it.
     */
    private static String schemaText(final String xml)
    {
        if (xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") || xml.contains("<!doctype"))
        {
            throw new IllegalArgumentException("genome: the schema declares a document type or entities, which an " +
                "SBE schema never needs; refused");
        }
        return xml;
    }

    private static String string(final Map<String, Object> m, final String key)
    {
        if (!(m.get(key) instanceof String s))
        {
            throw new IllegalArgumentException("genome: field '" + key + "' is missing or not a string");
        }
        return s;
    }

    private static int integer(final Map<String, Object> m, final String key)
    {
        if (!(m.get(key) instanceof Long l))
        {
            throw new IllegalArgumentException("genome: field '" + key + "' is missing or not an integer");
        }
        return Math.toIntExact(l);
    }

    private static List<?> list(final Map<String, Object> m, final String key)
    {
        if (!(m.get(key) instanceof List<?> l))
        {
            throw new IllegalArgumentException("genome: field '" + key + "' is missing or not a list");
        }
        return l;
    }
}
