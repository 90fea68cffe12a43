package dev.cell.compiler;

import dev.cell.compiler.CellModel.ErrorType;
import dev.cell.compiler.CellModel.Handler;
import dev.cell.runtime.genome.Genome;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Filer;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;

/**
 * The annotation processor behind {@code @Cell}: for each cell class it derives the SBE schema from the handlers'
 * Java types, runs SBE's own Java generator on it (through the {@link Filer}, so the codecs compile in the same
 * {@code javac} run), and generates the dispatcher, the typed client, the binding and the genome.
 * <p>
 * Per {@code @Cell("exchange") class Exchange} in package {@code p} it writes:
 * <ul>
 *     <li>{@code p.exchange.codecs.*}: SBE's codecs for the cell's schema;</li>
 *     <li>{@code p.ExchangeDispatcher}, {@code p.ExchangeBinding}, {@code p.ExchangeClient} and the package-private
 *     {@code p.ExchangeMapping};</li>
 *     <li>{@code META-INF/cell/exchange.genome.json} and an entry in
 *     {@code META-INF/services/dev.cell.runtime.service.CellBinding}.</li>
 * </ul>
 * A cell breaking a rule (an unsupported type, an error class that is not record-style...) gets a compile error at
 * the offending element saying what to change. List this processor in {@code annotationProcessorPaths}: JDK 23 and
 * newer run no processor found on the class path.
 *
 * @since 0.1
 */
public final class CellProcessor extends AbstractProcessor
{
    private static final String BINDING_SERVICE = "META-INF/services/dev.cell.runtime.service.CellBinding";

    private final Set<String> bindings = new TreeSet<>();
    private final Map<String, TypeElement> cellsByName = new HashMap<>();
    private final Path genomeOnly;
    private RemoteProcessor remote;

    /**
     * Created by {@code javac} through {@link java.util.ServiceLoader}.
     */
    public CellProcessor()
    {
        this(null);
    }

    /**
     * A processor in genome-only mode: for each {@code @Cell} it writes {@code <cell>.genome.json} into a folder and
     * generates nothing ({@code @CellRemote} is ignored). Used with {@code -proc:only} to read a producer's genome
     * from its sources without building it.
     *
     * @param genomeOnly the folder to write genomes to; null for the normal mode.
     */
    public CellProcessor(final Path genomeOnly)
    {
        this.genomeOnly = genomeOnly;
    }

    @Override
    public Set<String> getSupportedAnnotationTypes()
    {
        return Set.of(ModelBuilder.CELL_ANNOTATION, RemoteProcessor.REMOTE_ANNOTATION);
    }

    @Override
    public Set<String> getSupportedOptions()
    {
        return Set.of("cell.root");
    }

    @Override
    public SourceVersion getSupportedSourceVersion()
    {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(final Set<? extends TypeElement> annotations, final RoundEnvironment round)
    {
        final TypeElement annotation = processingEnv.getElementUtils().getTypeElement(ModelBuilder.CELL_ANNOTATION);
        if (annotation != null)
        {
            for (final Element element : round.getElementsAnnotatedWith(annotation))
            {
                if (element instanceof TypeElement type)
                {
                    process(type);
                }
            }
        }
        if (genomeOnly == null)
        {
            if (remote == null)
            {
                remote = new RemoteProcessor(processingEnv);
            }
            remote.finish();
            final TypeElement remoteAnnotation = processingEnv.getElementUtils().getTypeElement(
                RemoteProcessor.REMOTE_ANNOTATION);
            if (remoteAnnotation != null)
            {
                for (final Element element : round.getElementsAnnotatedWith(remoteAnnotation))
                {
                    if (element instanceof TypeElement type)
                    {
                        remote.resolve(type);
                    }
                }
            }
        }
        if (round.processingOver() && !bindings.isEmpty())
        {
            writeServices();
        }
        return false;
    }

    private void process(final TypeElement cell)
    {
        try
        {
            final CellModel model = new ModelBuilder(processingEnv).build(cell);
            if (model == null)
            {
                return;
            }
            final TypeElement other = cellsByName.putIfAbsent(model.name(), cell);
            if (other != null && !other.equals(cell))
            {
                error(cell, "cell name '" + model.name() + "' is already used by " + other.getQualifiedName() +
                    ": each cell needs its own name");
                return;
            }
            generate(model);
        }
        catch (final SbeCodegen.SchemaException ex)
        {
            error(cell, "cell-compiler produced an SBE schema that SBE rejects; this is a bug in cell-compiler, " +
                "please report it with the cell's source. " + ex.getMessage());
        }
        catch (final IOException ex)
        {
            error(cell, "cannot write the generated files of " + cell.getQualifiedName() + ": " + ex);
        }
        catch (final RuntimeException ex)
        {
            final StringWriter trace = new StringWriter();
            ex.printStackTrace(new PrintWriter(trace));
            error(cell, "cell-compiler failed on " + cell.getQualifiedName() + "; this is a bug in cell-compiler, " +
                "please report it with the cell's source: " + trace);
        }
    }

    private void generate(final CellModel model) throws SbeCodegen.SchemaException, IOException
    {
        final Filer filer = processingEnv.getFiler();
        final TypeElement cell = model.element();
        final String xml = SchemaXml.write(model);
        final SbeCodegen.Parsed parsed = SbeCodegen.parse(xml);
        for (final String warning : parsed.warnings().split("\n"))
        {
            // Names that are keywords in other languages SBE targets (Go, C++, C#) do not matter to Java.
            if (!warning.isBlank() && !warning.contains("name is not valid for"))
            {
                processingEnv.getMessager().printMessage(Diagnostic.Kind.NOTE, "SBE: " + warning.strip(), cell);
            }
        }

        final long fingerprint = Fingerprints.of(model);
        final Genome genome = genome(model, fingerprint, xml);
        if (genomeOnly != null)
        {
            Files.writeString(genomeOnly.resolve(model.name() + ".genome.json"), genome.toJson());
            return;
        }
        ProducerGuard.check(processingEnv, cell, genome);
        final FileObject genomeFile = filer.createResource(
            StandardLocation.CLASS_OUTPUT, "", Genome.resourceName(model.name()), cell);
        try (Writer out = genomeFile.openWriter())
        {
            out.write(genome.toJson());
        }

        SbeCodegen.generate(parsed.ir(), filer, cell);

        final Set<String> packageTypes = packageTypes(cell);
        write(filer, model, model.mappingName(), MappingGenerator.generate(model, packageTypes));
        write(filer, model, model.dispatcherName(),
            DispatcherGenerator.generate(model, processingEnv.getTypeUtils(), packageTypes));
        write(filer, model, model.bindingName(), BindingGenerator.generate(model, packageTypes, fingerprint));
        write(filer, model, model.clientName(), ClientGenerator.generate(model, packageTypes, fingerprint));
        if (stateful(cell))
        {
            write(filer, model, model.journalName(), JournalGenerator.generate(model, packageTypes));
        }
        bindings.add(model.qualify(model.bindingName()));
    }

    /**
     * @param model       a validated cell.
     * @param fingerprint its fingerprint.
     * @param xml         its SBE schema.
     * @return its genome.
     */
    static Genome genome(final CellModel model, final long fingerprint, final String xml)
    {
        final List<Genome.Handler> handlers = new ArrayList<>();
        for (final Handler h : model.handlers())
        {
            final List<String> errors = new ArrayList<>();
            for (final ErrorType e : h.errors())
            {
                errors.add(e.name());
            }
            final List<String> compatible = new ArrayList<>();
            for (final long fp : Fingerprints.compatible(h))
            {
                compatible.add(Genome.fingerprintHex(fp));
            }
            handlers.add(new Genome.Handler(h.name(), h.request().name(), h.request().templateId(),
                h.response().name(), h.response().templateId(), errors,
                Genome.fingerprintHex(Fingerprints.of(h)), compatible, idempotent(h)));
        }
        final List<Genome.ErrorType> errors = new ArrayList<>();
        for (final ErrorType e : model.errors())
        {
            errors.add(new Genome.ErrorType(e.name(), e.message().templateId(), binaryName(e.element())));
        }
        return new Genome(model.name(), model.version(), Genome.fingerprintHex(fingerprint), model.schemaId(),
            model.schemaVersion(), handlers, errors, xml);
    }

    /**
     * @param h a handler.
     * @return true when its method carries {@code @Idempotent} or {@code @Query} (read by name: the processor does not
     * load the cell's classes).
     */
    static boolean idempotent(final Handler h)
    {
        for (final javax.lang.model.element.AnnotationMirror a : h.method().getAnnotationMirrors())
        {
            final String type = a.getAnnotationType().toString();
            if (type.equals("dev.cell.runtime.Idempotent") || type.equals("dev.cell.runtime.Query"))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return true when the cell class implements {@code dev.cell.ledger.Stateful} (a replicated cell with a journal).
     */
    private boolean stateful(final TypeElement cell)
    {
        final TypeElement stateful = processingEnv.getElementUtils().getTypeElement("dev.cell.ledger.Stateful");
        return stateful != null && processingEnv.getTypeUtils().isAssignable(cell.asType(), stateful.asType());
    }

    private static String binaryName(final TypeElement type)
    {
        if (type.getEnclosingElement() instanceof TypeElement outer)
        {
            return binaryName(outer) + "$" + type.getSimpleName();
        }
        return type.getQualifiedName().toString();
    }

    private Set<String> packageTypes(final TypeElement cell)
    {
        final Set<String> names = new HashSet<>();
        final PackageElement pkg = processingEnv.getElementUtils().getPackageOf(cell);
        for (final Element e : pkg.getEnclosedElements())
        {
            if (e.getKind().isClass() || e.getKind().isInterface() || e.getKind() == ElementKind.RECORD)
            {
                names.add(e.getSimpleName().toString());
            }
        }
        return names;
    }

    private static void write(final Filer filer, final CellModel model, final String simpleName, final String source)
        throws IOException
    {
        final JavaFileObject file = filer.createSourceFile(model.qualify(simpleName), model.element());
        try (Writer out = file.openWriter())
        {
            out.write(source);
        }
    }

    private void writeServices()
    {
        try
        {
            final FileObject file = processingEnv.getFiler().createResource(
                StandardLocation.CLASS_OUTPUT, "", BINDING_SERVICE);
            try (Writer out = file.openWriter())
            {
                for (final String binding : bindings)
                {
                    out.write(binding);
                    out.write('\n');
                }
            }
        }
        catch (final IOException ex)
        {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "cannot write " + BINDING_SERVICE +
                ": " + ex);
        }
        bindings.clear();
    }

    private void error(final Element element, final String message)
    {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, message, element);
    }
}
