package dev.cell.compiler;

import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.cell.compiler.CellModel.Block;
import dev.cell.compiler.CellModel.GroupNode;
import dev.cell.compiler.CellModel.Leaf;
import dev.cell.compiler.CellModel.Message;
import dev.cell.compiler.deps.GenomeResolver;
import dev.cell.runtime.genome.Genome;
import dev.cell.tissue.config.CellLock;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;

/**
 * The {@code @CellRemote} half of the processor. Round 1: resolve the producer's genome ({@link GenomeResolver}),
 * pin it in {@code Cell.lock} when the lock has no entry yet, and generate its contract's sources
 * ({@link RemoteSources}). Next round, once those compiled: read the contract like a {@code @Cell} class, check it
 * rebuilds to the genome's fingerprint, check the consumer's expectations against it, and generate the codecs and the
 * typed client (which names the handlers it uses in its Hello).
 */
final class RemoteProcessor
{
    static final String REMOTE_ANNOTATION = "dev.cell.runtime.CellRemote";

    private static final Pattern REMOTE_NAME = Pattern.compile("[a-z][a-z0-9-]*(@[1-9][0-9]*)?");

    private final ProcessingEnvironment env;
    private final Map<String, Pending> pending = new LinkedHashMap<>();

    private record Pending(TypeElement remote, String name, GenomeResolver.Resolved resolved, String pkg,
        String contract)
    {
    }

    RemoteProcessor(final ProcessingEnvironment env)
    {
        this.env = env;
    }

    /**
     * Round 1 for one annotated interface.
     *
     * @param remote the {@code @CellRemote} interface.
     */
    void resolve(final TypeElement remote)
    {
        if (remote.getKind() != ElementKind.INTERFACE)
        {
            error(remote, "@CellRemote goes on an interface (its methods, if any, are the handlers this consumer " +
                "relies on), not on " + remote.getKind().toString().toLowerCase(java.util.Locale.ROOT));
            return;
        }
        final String name = annotationValue(remote);
        if (name == null || !REMOTE_NAME.matcher(name).matches())
        {
            error(remote, "@CellRemote(\"" + name + "\") is not a cell: write its name (\"exchange\") or, from major " +
                "version 2 on, name@major (\"exchange@2\")");
            return;
        }
        final Path root = root(remote);
        if (root == null)
        {
            error(remote, "cannot find the consumer's folder (a parent of " + remote.getQualifiedName() + "'s " +
                "source with a cell.toml or pom.xml): pass -Acell.root=<dir> to javac");
            return;
        }
        final GenomeResolver.Resolved resolved;
        try
        {
            resolved = new GenomeResolver(root).resolve(name, true);
        }
        catch (final IllegalArgumentException ex)
        {
            error(remote, "@CellRemote(\"" + name + "\"): " + ex.getMessage());
            return;
        }
        if (resolved.locked() == null && resolved.from() != GenomeResolver.From.LOCK)
        {
            try
            {
                CellLock.read(root).pin(name, resolved.genome(), resolved.source(), resolved.instances());
                note(remote, "cell '" + name + "' " + resolved.genome().version() + " (" +
                    resolved.genome().fingerprint() + ") from " + resolved.source() + " pinned in " + CellLock.FILE);
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                error(remote, "cannot write " + root.resolve(CellLock.FILE) + ": " + ex.getMessage());
                return;
            }
        }
        final String plain = name.contains("@") ? name.substring(0, name.indexOf('@')) : name;
        final PackageElement p = env.getElementUtils().getPackageOf(remote);
        // exchange -> <package>.exchange, exchange@2 -> <package>.exchange.v2: one consumer may use both majors.
        final String pkg = (p.isUnnamed() ? "" : p.getQualifiedName() + ".") + Naming.packageSegment(plain) +
            (name.contains("@") ? ".v" + name.substring(name.indexOf('@') + 1) : "");
        final String contract = Naming.classPrefix(plain) + "Contract";
        try
        {
            for (final Map.Entry<String, String> e : RemoteSources.generate(resolved.genome(), pkg, contract)
                .entrySet())
            {
                final JavaFileObject file = env.getFiler().createSourceFile(pkg + "." + e.getKey(), remote);
                try (Writer out = file.openWriter())
                {
                    out.write(e.getValue());
                }
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            error(remote, "@CellRemote(\"" + name + "\"): cannot generate the contract of " + resolved.source() +
                ": " + ex.getMessage());
            return;
        }
        pending.put(pkg + "." + contract, new Pending(remote, name, resolved, pkg, contract));
    }

    /**
     * Next rounds: finish every contract whose generated sources are now elements.
     */
    void finish()
    {
        for (final var it = pending.entrySet().iterator(); it.hasNext(); )
        {
            final Map.Entry<String, Pending> e = it.next();
            final TypeElement contract = env.getElementUtils().getTypeElement(e.getKey());
            if (contract == null)
            {
                continue;
            }
            it.remove();
            finish(e.getValue(), contract);
        }
    }

    private void finish(final Pending p, final TypeElement contract)
    {
        final Genome genome = p.resolved().genome();
        final ModelBuilder builder = new ModelBuilder(env);
        final CellModel model = builder.buildRemote(contract, genome.cell(), genome.version());
        if (model == null)
        {
            error(p.remote(), "@CellRemote(\"" + p.name() + "\"): the contract rebuilt from the genome of " +
                p.resolved().source() + " does not compile (see the errors above); this is a bug in cell-compiler");
            return;
        }
        final long fingerprint = Fingerprints.of(model);
        if (fingerprint != genome.fingerprintValue())
        {
            error(p.remote(), "@CellRemote(\"" + p.name() + "\"): the genome from " + p.resolved().source() +
                " claims fingerprint " + genome.fingerprint() + " but its contract rebuilds to " +
                Genome.fingerprintHex(fingerprint) + "; was it written by another cell-compiler version? Rebuild " +
                "the producer with this one");
            return;
        }
        final Map<String, String> used = expectations(p);
        if (p.resolved().lockDiffers())
        {
            error(p.remote(), "@CellRemote(\"" + p.name() + "\"): " + p.resolved().lockMismatch());
        }
        if (used == null)
        {
            return;
        }
        // Generated even when the lock differs (the build fails on that error anyway), so that the consumer's code
        // does not add a cascade of missing-symbol errors to the one that matters.
        try
        {
            final Set<String> packageTypes = packageTypes(contract);
            final String xml = SchemaXml.write(model);
            final SbeCodegen.Parsed parsed = SbeCodegen.parse(xml);
            SbeCodegen.generate(parsed.ir(), env.getFiler(), p.remote());
            write(model, model.mappingName(), MappingGenerator.generate(model, packageTypes), p.remote());
            // The genome the client was generated from, next to it: what it checks every reply against.
            final String resource = (model.packageName().isEmpty() ? "" : model.packageName().replace('.', '/') +
                "/") + model.clientName() + ".genome.json";
            final FileObject genomeFile = env.getFiler().createResource(StandardLocation.CLASS_OUTPUT, "", resource,
                p.remote());
            try (Writer out = genomeFile.openWriter())
            {
                out.write(genome.toJson());
            }
            write(model, model.clientName(), ClientGenerator.generate(model, packageTypes, fingerprint, used,
                resource), p.remote());
        }
        catch (final SbeCodegen.SchemaException | IOException ex)
        {
            error(p.remote(), "@CellRemote(\"" + p.name() + "\"): cannot generate the client: " + ex.getMessage());
        }
    }

    /**
     * Check each method of the {@code @CellRemote} interface against the genome.
     *
     * @return the handlers the client uses (name → fingerprint), or null when an expectation failed.
     */
    private Map<String, String> expectations(final Pending p)
    {
        final Genome genome = p.resolved().genome();
        final RemoteSources.Schema schema = RemoteSources.parse(genome.schemaXml());
        final Map<String, String> used = new TreeMap<>();
        boolean ok = true;
        final List<ExecutableElement> methods = new ArrayList<>();
        for (final ExecutableElement m : ElementFilter.methodsIn(p.remote().getEnclosedElements()))
        {
            if (!m.getModifiers().contains(Modifier.STATIC) && !m.getModifiers().contains(Modifier.DEFAULT))
            {
                methods.add(m);
            }
        }
        for (final ExecutableElement m : methods)
        {
            final String handler = m.getSimpleName().toString();
            final Genome.Handler h = genome.handler(handler);
            final String where = "cell '" + p.name() + "' (" + p.resolved().source() + "), handler '" + handler + "'";
            if (h == null)
            {
                error(m, where + ": the producer has no such handler (removed or renamed?). Its handlers: " +
                    String.join(", ", genome.handlers().stream().map(Genome.Handler::name).toList()));
                ok = false;
                continue;
            }
            final Message[] expected = new ModelBuilder(env).expectation(m);
            if (expected == null)
            {
                ok = false;
                continue;
            }
            final List<String> problems = new ArrayList<>();
            compare("request", expected[0].block(), schema.messages().get(h.requestMessage()), true, problems);
            compare("result", expected[1].block(), schema.messages().get(h.responseMessage()), false, problems);
            for (final TypeMirror t : m.getThrownTypes())
            {
                final String simple = env.getTypeUtils().asElement(t).getSimpleName().toString();
                if (!h.errors().contains(simple) && !genome.errors().isEmpty() && isCellError(t))
                {
                    problems.add("it declares no error " + simple);
                }
            }
            if (!problems.isEmpty())
            {
                error(m, where + ": " + String.join("; ", problems) + ". The producer's shape: " +
                    shape(genome, schema, h));
                ok = false;
                continue;
            }
            used.put(handler, h.fingerprint());
        }
        if (!ok)
        {
            return null;
        }
        if (methods.isEmpty())
        {
            for (final Genome.Handler h : genome.handlers())
            {
                used.put(h.name(), h.fingerprint());
            }
        }
        return used;
    }

    private boolean isCellError(final TypeMirror t)
    {
        final TypeElement cellError = env.getElementUtils().getTypeElement("dev.cell.runtime.CellError");
        return cellError != null && env.getTypeUtils().isSubtype(t, cellError.asType());
    }

    private static void compare(
        final String what, final Block expected, final List<RemoteSources.Field> actual, final boolean request,
        final List<String> problems)
    {
        final Map<String, RemoteSources.Field> byName = new LinkedHashMap<>();
        for (final RemoteSources.Field f : actual)
        {
            byName.put(f.name(), f);
        }
        final Set<String> seen = new HashSet<>();
        final List<Leaf> leaves = new ArrayList<>(expected.fixed());
        leaves.addAll(expected.vars());
        for (final Leaf leaf : leaves)
        {
            seen.add(leaf.wireName());
            final RemoteSources.Field f = byName.get(leaf.wireName());
            if (f == null || f.kind().equals("group"))
            {
                problems.add("field '" + leaf.wireName() + "' of the " + what + " does not exist in the producer " +
                    "(renamed or removed?)");
            }
            else if (!f.type().equals(leaf.sbeType()))
            {
                problems.add("field '" + leaf.wireName() + "' of the " + what + " is " + leaf.sbeType() +
                    " here but " + f.type() + " in the producer");
            }
        }
        for (final GroupNode group : expected.groups())
        {
            seen.add(group.wireName());
            final RemoteSources.Field f = byName.get(group.wireName());
            if (f == null || !f.kind().equals("group"))
            {
                problems.add("list '" + group.wireName() + "' of the " + what + " does not exist in the producer " +
                    "(renamed or removed?)");
            }
            else
            {
                compare(what + "'s list '" + group.wireName() + "'", group.block(), f.fields(), request, problems);
            }
        }
        if (request)
        {
            for (final RemoteSources.Field f : actual)
            {
                if (!seen.contains(f.name()) && f.since() == 0)
                {
                    problems.add("the producer's " + what + " requires field '" + f.name() + "' (" +
                        (f.type() == null ? "list" : f.type()) + "), which this expectation does not send");
                }
            }
        }
    }

    private static String shape(final Genome genome, final RemoteSources.Schema schema, final Genome.Handler h)
    {
        return h.name() + "(" + h.requestMessage() + fields(schema.messages().get(h.requestMessage())) + ") -> " +
            h.responseMessage() + fields(schema.messages().get(h.responseMessage())) +
            (h.errors().isEmpty() ? "" : " throws " + String.join(", ", h.errors())) + " [" + genome.cell() + " " +
            genome.version() + "]";
    }

    private static String fields(final List<RemoteSources.Field> fields)
    {
        final List<String> parts = new ArrayList<>();
        for (final RemoteSources.Field f : fields)
        {
            parts.add(f.kind().equals("group") ? f.name() + " list" + fields(f.fields()) :
                f.name() + " " + f.type() + (f.since() == 0 ? "" : " since " + f.since()));
        }
        return "{" + String.join(", ", parts) + "}";
    }

    private Path root(final TypeElement remote)
    {
        final String option = env.getOptions().get("cell.root");
        if (option != null && !option.isBlank())
        {
            return Path.of(option).toAbsolutePath().normalize();
        }
        Path dir;
        try
        {
            final TreePath path = Trees.instance(env).getPath(remote);
            if (path == null)
            {
                return null;
            }
            dir = Path.of(path.getCompilationUnit().getSourceFile().toUri()).toAbsolutePath().getParent();
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
        Path pom = null;
        for (Path d = dir; d != null; d = d.getParent())
        {
            if (Files.isRegularFile(d.resolve("cell.toml")))
            {
                return d;
            }
            if (pom == null && Files.isRegularFile(d.resolve("pom.xml")))
            {
                pom = d;
            }
        }
        return pom;
    }

    private String annotationValue(final TypeElement remote)
    {
        for (final AnnotationMirror a : remote.getAnnotationMirrors())
        {
            if (((TypeElement)a.getAnnotationType().asElement()).getQualifiedName().contentEquals(REMOTE_ANNOTATION))
            {
                for (final Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
                    a.getElementValues().entrySet())
                {
                    if (e.getKey().getSimpleName().contentEquals("value"))
                    {
                        return String.valueOf(e.getValue().getValue());
                    }
                }
            }
        }
        return null;
    }

    private Set<String> packageTypes(final TypeElement type)
    {
        final Set<String> names = new HashSet<>();
        for (final Element e : env.getElementUtils().getPackageOf(type).getEnclosedElements())
        {
            names.add(e.getSimpleName().toString());
        }
        return names;
    }

    private void write(final CellModel model, final String simpleName, final String source, final Element origin)
        throws IOException
    {
        final JavaFileObject file = env.getFiler().createSourceFile(model.qualify(simpleName), origin);
        try (Writer out = file.openWriter())
        {
            out.write(source);
        }
    }

    private void error(final Element element, final String message)
    {
        env.getMessager().printMessage(Diagnostic.Kind.ERROR, message, element);
    }

    private void note(final Element element, final String message)
    {
        env.getMessager().printMessage(Diagnostic.Kind.NOTE, message, element);
    }
}
