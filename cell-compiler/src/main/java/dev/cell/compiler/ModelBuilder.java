package dev.cell.compiler;

import dev.cell.compiler.CellModel.Block;
import dev.cell.compiler.CellModel.EnumType;
import dev.cell.compiler.CellModel.ErrorType;
import dev.cell.compiler.CellModel.GroupNode;
import dev.cell.compiler.CellModel.Handler;
import dev.cell.compiler.CellModel.Leaf;
import dev.cell.compiler.CellModel.Member;
import dev.cell.compiler.CellModel.Message;
import dev.cell.compiler.CellModel.Node;
import dev.cell.compiler.CellModel.Param;
import dev.cell.compiler.CellModel.RecordNode;
import dev.cell.compiler.CellModel.Slot;
import dev.cell.compiler.CellModel.Wire;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.RecordComponentElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.Diagnostic;

/**
 * Reads a {@code @Cell} class into a {@link CellModel}, reporting every rule it breaks as a compile error at the
 * offending element. Independent of source order: handlers, errors and enums come out sorted by name.
 */
final class ModelBuilder
{
    /**
     * The annotation's qualified name.
     */
    static final String CELL_ANNOTATION = "dev.cell.runtime.Cell";

    static final String SINCE_ANNOTATION = "dev.cell.runtime.Since";

    static final String SUPPORTED_TYPES = "supported types are boolean, byte, short, char, int, long, float, " +
        "double, enums, String, byte[], records (flattened into the message) and java.util.List<R> of records " +
        "(repeating groups)";

    private static final Pattern VERSION = Pattern.compile("(\\d+)(\\.\\d+){0,2}([-+][0-9A-Za-z.+-]*)?");
    private static final int MAX_ENUM_CONSTANTS = 254;

    /**
     * Names a handler may not have: they are methods of the generated client or its flyweight.
     */
    private static final Set<String> RESERVED_HANDLER_NAMES = Set.of(
        "close", "connect", "cell", "connection", "flyweight", "reply", "send", "sendAsync", "acquire", "release",
        "replyCheck", "equals", "hashCode", "toString", "getClass", "notify", "notifyAll", "wait", "clone", "finalize");

    /**
     * Field names that clash with members of SBE's generated message and group codecs.
     */
    private static final Set<String> RESERVED_FIELD_NAMES = Set.of(
        "buffer", "offset", "limit", "wrap", "wrapAndApplyHeader", "encodedLength", "toString", "appendTo",
        "sbeBlockLength", "sbeTemplateId", "sbeSchemaId", "sbeSchemaVersion", "sbeSemanticType",
        "sbeSemanticVersion", "sbeRewind", "sbeDecodedLength", "sbeSkip", "sbeHeaderSize", "actingBlockLength",
        "actingVersion", "parentMessage", "initialOffset", "hashCode", "equals", "getClass", "notify", "notifyAll",
        "wait");

    /**
     * Further names that clash with members of SBE's generated group codecs only.
     */
    private static final Set<String> RESERVED_GROUP_FIELD_NAMES = Set.of(
        "count", "index", "blockLength", "initialLimit", "next", "hasNext", "iterator", "remove",
        "forEachRemaining", "resetCountToIndex", "countMinValue", "countMaxValue");

    /**
     * Suffixes and prefixes SBE derives method names with, for each field.
     */
    private static final List<String> DERIVED_SUFFIXES = List.of(
        "Id", "SinceVersion", "EncodingOffset", "EncodingLength", "MetaAttribute", "NullValue", "MinValue",
        "MaxValue", "Raw", "Length", "HeaderLength", "CharacterEncoding", "Count", "InActingVersion");
    private static final List<String> DERIVED_PREFIXES = List.of("skip", "get", "put", "wrap");

    private static final Set<String> RESERVED_TYPE_NAMES = Set.of(
        "MetaAttribute", "MessageHeader", "MessageHeaderEncoder", "MessageHeaderDecoder", "GroupSizeEncoding",
        "GroupSizeEncodingEncoder", "GroupSizeEncodingDecoder", "VarStringEncoding", "VarStringEncodingEncoder",
        "VarStringEncodingDecoder", "VarDataEncoding", "VarDataEncodingEncoder", "VarDataEncodingDecoder");

    private final Elements elements;
    private final Types types;
    private final Messager messager;
    private final TypeMirror cellErrorType;
    private final TypeMirror runtimeExceptionType;
    private final TypeMirror errorType;
    private final TypeMirror listType;
    private final TypeElement objectElement;
    private final TypeElement lifecycleElement;
    private final TypeElement statefulElement;

    private final Map<String, EnumType> enums = new TreeMap<>();
    private final Map<String, TypeElement> enumsBySbeName = new HashMap<>();
    private String cellPackage;
    private boolean failed;

    /**
     * @param env the processing environment.
     */
    ModelBuilder(final ProcessingEnvironment env)
    {
        this.elements = env.getElementUtils();
        this.types = env.getTypeUtils();
        this.messager = env.getMessager();
        this.cellErrorType = typeOf("dev.cell.runtime.CellError");
        this.runtimeExceptionType = typeOf("java.lang.RuntimeException");
        this.errorType = typeOf("java.lang.Error");
        this.listType = types.erasure(typeOf("java.util.List"));
        this.objectElement = elements.getTypeElement("java.lang.Object");
        this.lifecycleElement = elements.getTypeElement("dev.cell.runtime.CellLifecycle");
        this.statefulElement = elements.getTypeElement("dev.cell.ledger.Stateful");
    }

    private TypeMirror typeOf(final String name)
    {
        final TypeElement element = elements.getTypeElement(name);
        if (element == null)
        {
            throw new IllegalStateException(
                name + " is not on the compile class path: add dev.cell:cell-runtime to the project's dependencies");
        }
        return element.asType();
    }

    /**
     * Read and validate one cell.
     *
     * @param cell the {@code @Cell} class.
     * @return its model, or null when an error was reported.
     */
    CellModel build(final TypeElement cell)
    {
        enums.clear();
        enumsBySbeName.clear();
        failed = false;

        final PackageElement pkg = elements.getPackageOf(cell);
        cellPackage = pkg.isUnnamed() ? "" : pkg.getQualifiedName().toString();

        final AnnotationMirror annotation = cellAnnotation(cell);
        final AnnotationValue nameValue = annotationValue(annotation, "value");
        final AnnotationValue versionValue = annotationValue(annotation, "version");
        final String name = String.valueOf(nameValue.getValue());
        final String version = String.valueOf(versionValue.getValue());

        if (!Naming.CELL_NAME.matcher(name).matches())
        {
            messager.printMessage(Diagnostic.Kind.ERROR, "@Cell name '" + name + "' is not valid: a cell name is " +
                "a lower case letter followed by lower case letters, digits and '-' (pattern [a-z][a-z0-9-]*), " +
                "for example \"order-book\"", cell, annotation, nameValue);
            return null;
        }
        int major = 0;
        final Matcher versionMatcher = VERSION.matcher(version);
        if (versionMatcher.matches())
        {
            major = Integer.parseInt(versionMatcher.group(1));
        }
        else
        {
            error(cell, "@Cell version '" + version + "' is not a semantic version: write MAJOR.MINOR.PATCH, " +
                "for example \"1.2.0\"");
        }

        checkCellClass(cell);
        return core(cell, name, version, major, false);
    }

    /**
     * Read a contract interface that {@link RemoteSources} generated from a producer's genome, as if it were the
     * producer's {@code @Cell} class.
     *
     * @param contract the generated interface.
     * @param name     the producer's cell name.
     * @param version  the producer's version.
     * @return its model, or null when an error was reported.
     */
    CellModel buildRemote(final TypeElement contract, final String name, final String version)
    {
        enums.clear();
        enumsBySbeName.clear();
        failed = false;
        final PackageElement pkg = elements.getPackageOf(contract);
        cellPackage = pkg.isUnnamed() ? "" : pkg.getQualifiedName().toString();
        return core(contract, name, version, dev.cell.runtime.genome.Genome.major(version), true);
    }

    /**
     * The request and result messages a consumer's expectation (a method of its {@code @CellRemote} interface) puts
     * on the wire, laid out as the producer's would be.
     *
     * @param method the expectation.
     * @return request and result message, or null when its types cannot go on the wire (an error was reported).
     */
    Message[] expectation(final ExecutableElement method)
    {
        final PackageElement pkg = elements.getPackageOf(method);
        cellPackage = pkg.isUnnamed() ? "" : pkg.getQualifiedName().toString();
        final String handler = method.getSimpleName().toString();
        final Message request = requestMessage(method, requestName(handler), 0);
        final Message response = responseMessage(method, responseName(handler), 0);
        return request == null || response == null ? null : new Message[]{request, response};
    }

    private CellModel core(
        final TypeElement cell, final String name, final String version, final int major, final boolean remote)
    {
        final List<ExecutableElement> methods = handlerMethods(cell);
        if (methods.isEmpty())
        {
            error(cell, "@Cell class " + cell.getSimpleName() + " has no handlers: every public instance method " +
                "of a cell is a handler; add at least one");
            return null;
        }

        // Handler names first: they fix the template ids.
        final Map<String, ExecutableElement> byName = new TreeMap<>();
        for (final ExecutableElement method : methods)
        {
            final String handler = method.getSimpleName().toString();
            if (byName.containsKey(handler))
            {
                error(method, "handler '" + handler + "' is overloaded: handlers are addressed by name, so each " +
                    "public method of a cell needs its own name");
                continue;
            }
            if (RESERVED_HANDLER_NAMES.contains(handler))
            {
                error(method, "'" + handler + "' cannot be a handler name: the generated client has a method of " +
                    "that name; rename the handler (or make it non-public if it is not one)");
                continue;
            }
            if (!method.getTypeParameters().isEmpty())
            {
                error(method, "handler '" + handler + "' has type parameters: handlers cannot be generic, their " +
                    "types are the wire contract");
                continue;
            }
            byName.put(handler, method);
        }
        for (final String handler : byName.keySet())
        {
            for (final String suffix : List.of("Async", "Request"))
            {
                if (handler.endsWith(suffix) && byName.containsKey(handler.substring(0, handler.length() -
                    suffix.length())))
                {
                    error(byName.get(handler), "handler '" + handler + "' clashes with the generated client's '" +
                        handler + "' method for handler '" + handler.substring(0, handler.length() -
                        suffix.length()) + "': rename one of them");
                }
            }
        }

        // Error types: concrete CellError classes the handlers declare (sealed bases expanded).
        final Map<String, List<TypeElement>> thrownByHandler = new HashMap<>();
        final Map<String, List<TypeElement>> leavesByHandler = new HashMap<>();
        final Map<String, TypeElement> errorClasses = new TreeMap<>();
        for (final Map.Entry<String, ExecutableElement> e : byName.entrySet())
        {
            final List<TypeElement> thrown = new ArrayList<>();
            final Set<TypeElement> leaves = new LinkedHashSet<>();
            for (final TypeMirror t : e.getValue().getThrownTypes())
            {
                thrownType(e.getValue(), t, thrown, leaves);
            }
            for (final TypeElement leaf : leaves)
            {
                final String simple = leaf.getSimpleName().toString();
                final TypeElement other = errorClasses.get(simple);
                if (other != null && !other.equals(leaf))
                {
                    error(e.getValue(), "error types " + other.getQualifiedName() + " and " +
                        leaf.getQualifiedName() + " have the same simple name, which is their SBE message name: " +
                        "rename one of them");
                }
                else
                {
                    errorClasses.put(simple, leaf);
                }
            }
            thrownByHandler.put(e.getKey(), thrown);
            leavesByHandler.put(e.getKey(), new ArrayList<>(leaves));
        }

        // Template ids from sorted names: request 2i+1 and response 2i+2 for handler i, then the errors.
        final Map<String, Integer> ids = new HashMap<>();
        int next = 1;
        for (final String handler : byName.keySet())
        {
            ids.put(requestName(handler), next++);
            ids.put(responseName(handler), next++);
        }
        final Set<String> messageNames = new HashSet<>(ids.keySet());
        for (final String error : errorClasses.keySet())
        {
            if (!messageNames.add(error))
            {
                error(errorClasses.get(error), "error type " + error + " has the name of a handler's SBE " +
                    "message: rename the error type or the handler");
            }
            ids.put(error, next++);
        }
        for (final String handler : byName.keySet())
        {
            final String capital = Naming.capitalize(handler);
            if (byName.keySet().stream().filter(h -> Naming.capitalize(h).equals(capital)).count() > 1)
            {
                error(byName.get(handler), "handlers whose names differ only in the case of the first letter " +
                    "map to the same SBE message " + capital + "Request: rename one of them");
            }
        }

        final Map<String, ErrorType> errorTypes = new TreeMap<>();
        for (final Map.Entry<String, TypeElement> e : errorClasses.entrySet())
        {
            final ErrorType errorType = errorType(e.getValue(), ids.getOrDefault(e.getKey(), 0));
            if (errorType != null)
            {
                errorTypes.put(e.getKey(), errorType);
            }
        }

        final List<Handler> handlers = new ArrayList<>();
        for (final Map.Entry<String, ExecutableElement> e : byName.entrySet())
        {
            final String handler = e.getKey();
            final ExecutableElement method = e.getValue();
            final List<Param> params = new ArrayList<>();
            for (final VariableElement p : method.getParameters())
            {
                params.add(new Param(p.getSimpleName().toString(), p.asType()));
            }
            final Message request = requestMessage(method, requestName(handler), ids.get(requestName(handler)));
            final Message response = responseMessage(method, responseName(handler), ids.get(responseName(handler)));
            final List<ErrorType> handlerErrors = new ArrayList<>();
            for (final TypeElement leaf : leavesByHandler.get(handler))
            {
                final ErrorType errorType = errorTypes.get(leaf.getSimpleName().toString());
                if (errorType != null)
                {
                    handlerErrors.add(errorType);
                }
            }
            handlerErrors.sort(Comparator.comparing(ErrorType::name));
            if (request != null && response != null)
            {
                final TypeMirror result = method.getReturnType().getKind() == TypeKind.VOID ? null :
                    method.getReturnType();
                handlers.add(new Handler(method, handler, List.copyOf(params), result,
                    List.copyOf(thrownByHandler.get(handler)), request, response, List.copyOf(handlerErrors)));
            }
        }

        for (final EnumType enumType : enums.values())
        {
            if (RESERVED_TYPE_NAMES.contains(enumType.name()) || messageNames.stream().anyMatch(
                m -> enumType.name().equals(m + "Encoder") || enumType.name().equals(m + "Decoder")))
            {
                error(enumType.element(), "enum " + enumType.name() + " has the name of a class SBE generates " +
                    "for this cell: rename the enum");
            }
        }

        if (failed)
        {
            return null;
        }
        final String codecPackage = (cellPackage.isEmpty() ? "" : cellPackage + ".") +
            (remote ? "" : Naming.packageSegment(name) + ".") + "codecs";
        return new CellModel(cell, name, version, major, cellPackage, Naming.classPrefix(name), codecPackage,
            Naming.schemaId(name), List.copyOf(handlers), List.copyOf(errorTypes.values()),
            List.copyOf(enums.values()));
    }

    /**
     * @param handler a handler name.
     * @return its request message name.
     */
    static String requestName(final String handler)
    {
        return Naming.capitalize(handler) + "Request";
    }

    /**
     * @param handler a handler name.
     * @return its response message name.
     */
    static String responseName(final String handler)
    {
        return Naming.capitalize(handler) + "Response";
    }

    private AnnotationMirror cellAnnotation(final TypeElement cell)
    {
        for (final AnnotationMirror mirror : cell.getAnnotationMirrors())
        {
            final TypeElement type = (TypeElement)mirror.getAnnotationType().asElement();
            if (type.getQualifiedName().contentEquals(CELL_ANNOTATION))
            {
                return mirror;
            }
        }
        throw new IllegalStateException(cell + " is not annotated with @" + CELL_ANNOTATION);
    }

    private AnnotationValue annotationValue(final AnnotationMirror mirror, final String name)
    {
        for (final Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
            elements.getElementValuesWithDefaults(mirror).entrySet())
        {
            if (e.getKey().getSimpleName().contentEquals(name))
            {
                return e.getValue();
            }
        }
        throw new IllegalStateException("@Cell has no member " + name);
    }

    private void checkCellClass(final TypeElement cell)
    {
        if (cell.getKind() != ElementKind.CLASS)
        {
            error(cell, "@Cell goes on a class, not on " + kindName(cell.getKind()) +
                ": the runtime creates one instance of it per cell instance");
            return;
        }
        if (cell.getModifiers().contains(Modifier.ABSTRACT))
        {
            error(cell, "@Cell class " + cell.getSimpleName() + " is abstract: the runtime must be able to create " +
                "it; remove 'abstract'");
        }
        if (cell.getNestingKind() != NestingKind.TOP_LEVEL && (cell.getNestingKind() != NestingKind.MEMBER ||
            !cell.getModifiers().contains(Modifier.STATIC)))
        {
            error(cell, "@Cell class " + cell.getSimpleName() + " must be a top level class or a static nested " +
                "class");
        }
        if (!isAccessible(cell))
        {
            error(cell, "@Cell class " + cell.getSimpleName() + " must not be private");
        }
        if (!cell.getTypeParameters().isEmpty())
        {
            error(cell, "@Cell class " + cell.getSimpleName() + " must not be generic");
        }
        boolean noArg = false;
        for (final ExecutableElement ctor : ElementFilter.constructorsIn(cell.getEnclosedElements()))
        {
            if (ctor.getParameters().isEmpty() && ctor.getModifiers().contains(Modifier.PUBLIC))
            {
                noArg = true;
            }
        }
        if (!noArg)
        {
            error(cell, "@Cell class " + cell.getSimpleName() + " needs a public no-argument constructor: the " +
                "runtime creates the cell with it (set up state in the constructor or in CellLifecycle.onStart)");
        }
    }

    private List<ExecutableElement> handlerMethods(final TypeElement cell)
    {
        final List<ExecutableElement> inherited = new ArrayList<>(ElementFilter.methodsIn(
            objectElement.getEnclosedElements()));
        if (lifecycleElement != null)
        {
            inherited.addAll(ElementFilter.methodsIn(lifecycleElement.getEnclosedElements()));
        }
        if (statefulElement != null)
        {
            inherited.addAll(ElementFilter.methodsIn(statefulElement.getEnclosedElements()));
        }
        final List<ExecutableElement> handlers = new ArrayList<>();
        for (final ExecutableElement method : ElementFilter.methodsIn(elements.getAllMembers(cell)))
        {
            final Set<Modifier> modifiers = method.getModifiers();
            if (!modifiers.contains(Modifier.PUBLIC) || modifiers.contains(Modifier.STATIC))
            {
                continue;
            }
            final Element owner = method.getEnclosingElement();
            if (owner.equals(objectElement) || owner.equals(lifecycleElement) || owner.equals(statefulElement))
            {
                continue;
            }
            boolean overridesInfrastructure = false;
            for (final ExecutableElement m : inherited)
            {
                if (elements.overrides(method, m, cell))
                {
                    overridesInfrastructure = true;
                    break;
                }
            }
            if (!overridesInfrastructure)
            {
                handlers.add(method);
            }
        }
        return handlers;
    }

    private void thrownType(
        final ExecutableElement method, final TypeMirror thrown, final List<TypeElement> declared,
        final Set<TypeElement> leaves)
    {
        if (types.isSubtype(thrown, runtimeExceptionType) || types.isSubtype(thrown, errorType))
        {
            return;
        }
        if (thrown.getKind() != TypeKind.DECLARED || !types.isSubtype(thrown, cellErrorType))
        {
            error(method, "handler '" + method.getSimpleName() + "' declares " + thrown + ", which is a checked " +
                "exception but not a CellError: declare only subclasses of dev.cell.runtime.CellError (the " +
                "handler's typed errors, sent to the caller) and catch or wrap other checked exceptions");
            return;
        }
        final TypeElement type = (TypeElement)types.asElement(thrown);
        declared.add(type);
        expandError(method, type, leaves);
    }

    private void expandError(final ExecutableElement method, final TypeElement type, final Set<TypeElement> leaves)
    {
        if (!type.getModifiers().contains(Modifier.ABSTRACT))
        {
            leaves.add(type);
            return;
        }
        if (!type.getModifiers().contains(Modifier.SEALED))
        {
            error(method, "handler '" + method.getSimpleName() + "' declares " + type.getQualifiedName() +
                ", an abstract error type that is not sealed: declare its concrete subclasses instead, or make " +
                "it sealed so its permitted subclasses are known");
            return;
        }
        for (final TypeMirror permitted : type.getPermittedSubclasses())
        {
            expandError(method, (TypeElement)types.asElement(permitted), leaves);
        }
    }

    private ErrorType errorType(final TypeElement type, final int templateId)
    {
        final String simple = type.getSimpleName().toString();
        if (type.getNestingKind() != NestingKind.TOP_LEVEL && !type.getModifiers().contains(Modifier.STATIC))
        {
            error(type, "error type " + simple + " must be a top level or static nested class: the generated " +
                "client creates it");
            return null;
        }
        if (!isAccessibleFrom(type))
        {
            error(type, "error type " + simple + " must be public (or in package " + cellPackage + "): the " +
                "generated dispatcher and client use it");
            return null;
        }
        final List<ExecutableElement> ctors = new ArrayList<>();
        for (final ExecutableElement ctor : ElementFilter.constructorsIn(type.getEnclosedElements()))
        {
            if (ctor.getModifiers().contains(Modifier.PUBLIC))
            {
                ctors.add(ctor);
            }
        }
        if (ctors.size() != 1)
        {
            error(type, "error type " + simple + " needs exactly one public constructor, whose parameters are its " +
                "wire fields (it has " + ctors.size() + "): write it record-style, one public constructor and a " +
                "public accessor per parameter, e.g. 'public " + simple + "(final String symbol)' and " +
                "'public String symbol()'");
            return null;
        }
        final ExecutableElement ctor = ctors.getFirst();
        final List<Slot> slots = new ArrayList<>();
        for (final VariableElement p : ctor.getParameters())
        {
            final String pname = p.getSimpleName().toString();
            if (!hasAccessor(type, pname, p.asType()))
            {
                error(p, "error type " + simple + ": constructor parameter '" + pname + "' has no public accessor " +
                    "'" + p.asType() + " " + pname + "()': add one, it is how the dispatcher reads the field to " +
                    "send it (if the class comes from a jar, compile it with -parameters)");
                continue;
            }
            final Node node = node(p.asType(), pname, p, new ArrayList<>());
            if (node != null)
            {
                slots.add(new Slot(pname, node));
            }
        }
        final Message message = message(simple, templateId, slots);
        return new ErrorType(type, message);
    }

    private boolean hasAccessor(final TypeElement type, final String name, final TypeMirror fieldType)
    {
        for (final ExecutableElement m : ElementFilter.methodsIn(elements.getAllMembers(type)))
        {
            if (m.getSimpleName().contentEquals(name) && m.getParameters().isEmpty() &&
                m.getModifiers().contains(Modifier.PUBLIC) && !m.getModifiers().contains(Modifier.STATIC) &&
                types.isSameType(m.getReturnType(), fieldType))
            {
                return true;
            }
        }
        return false;
    }

    private Message requestMessage(final ExecutableElement method, final String name, final int templateId)
    {
        final List<? extends VariableElement> params = method.getParameters();
        final List<Slot> slots = new ArrayList<>();
        if (params.size() == 1 && isRecord(params.getFirst().asType()))
        {
            final VariableElement p = params.getFirst();
            final Node node = node(p.asType(), "", p, new ArrayList<>());
            if (node == null)
            {
                return null;
            }
            slots.add(new Slot(p.getSimpleName().toString(), node));
        }
        else
        {
            boolean ok = true;
            for (final VariableElement p : params)
            {
                final Node node = node(p.asType(), p.getSimpleName().toString(), p, new ArrayList<>());
                if (node == null)
                {
                    ok = false;
                }
                else
                {
                    slots.add(new Slot(p.getSimpleName().toString(), node));
                }
            }
            if (!ok)
            {
                return null;
            }
        }
        return message(name, templateId, slots);
    }

    private Message responseMessage(final ExecutableElement method, final String name, final int templateId)
    {
        final TypeMirror result = method.getReturnType();
        final List<Slot> slots = new ArrayList<>();
        if (result.getKind() != TypeKind.VOID)
        {
            final Node node = node(result, isRecord(result) ? "" : "value", method, new ArrayList<>());
            if (node == null)
            {
                return null;
            }
            slots.add(new Slot("result", node));
        }
        return message(name, templateId, slots);
    }

    private Message message(final String name, final int templateId, final List<Slot> slots)
    {
        final List<Node> roots = new ArrayList<>();
        for (final Slot slot : slots)
        {
            roots.add(slot.node());
        }
        final Block block = Block.of(roots);
        checkBlock(name, block, List.of(name + "Encoder", name + "Decoder"));
        checkSinceOrder(name, block);
        return new Message(name, templateId, List.copyOf(slots), block);
    }

    private void checkSinceOrder(final String where, final Block block)
    {
        for (final List<Leaf> leaves : List.of(block.fixed(), block.vars()))
        {
            int since = 0;
            for (final Leaf leaf : leaves)
            {
                if (leaf.since() < since)
                {
                    error(leaf.origin(), "field '" + leaf.wireName() + "' of " + where + " comes after a field " +
                        "added at schema version " + since + " but is " + (leaf.since() == 0 ? "original" :
                        "@Since(" + leaf.since() + ")") + ": SBE appends later fields at the end of a message, so " +
                        "move it before the optional fields (or give it @Since(" + since + ") or higher)");
                    return;
                }
                since = leaf.since();
            }
        }
        for (final GroupNode group : block.groups())
        {
            checkSinceOrder(where + "." + group.wireName(), group.block());
        }
    }

    private void checkBlock(final String where, final Block block, final List<String> enclosingClasses)
    {
        final Map<String, Node> names = new LinkedHashMap<>();
        for (final Node field : block.fields())
        {
            final Node previous = names.putIfAbsent(field.wireName(), field);
            if (previous != null)
            {
                error(field.origin(), "field name '" + field.wireName() + "' occurs twice in " + where +
                    " after flattening nested records (" + describe(previous.origin()) + " and " +
                    describe(field.origin()) + "): rename one of the components");
            }
            else if (RESERVED_FIELD_NAMES.contains(field.wireName()) ||
                (enclosingClasses.size() > 2 && RESERVED_GROUP_FIELD_NAMES.contains(field.wireName())))
            {
                error(field.origin(), "field name '" + field.wireName() + "' in " + where + " clashes with a " +
                    "method of SBE's generated codecs: rename it");
            }
        }
        for (final Node field : block.fields())
        {
            final String name = field.wireName();
            for (final String suffix : DERIVED_SUFFIXES)
            {
                clash(where, names, field, name + suffix);
            }
            for (final String prefix : DERIVED_PREFIXES)
            {
                clash(where, names, field, prefix + Naming.capitalize(name));
            }
        }
        for (final GroupNode group : block.groups())
        {
            if (enclosingClasses.contains(group.encoderClass()) || enclosingClasses.contains(group.decoderClass()))
            {
                error(group.origin(), "list '" + group.wireName() + "' in " + where + " would give SBE's nested " +
                    "group class the name of its enclosing class: rename it");
            }
            final List<String> nested = new ArrayList<>(enclosingClasses);
            nested.add(group.encoderClass());
            nested.add(group.decoderClass());
            checkBlock(where + "." + group.wireName(), group.block(), nested);
        }
    }

    private void clash(final String where, final Map<String, Node> names, final Node field, final String derived)
    {
        final Node other = names.get(derived);
        if (other != null)
        {
            error(other.origin(), "field name '" + derived + "' in " + where + " clashes with the '" + derived +
                "' method SBE generates for field '" + field.wireName() + "': rename one of them");
        }
    }

    /**
     * Map a Java type to its wire form.
     *
     * @param type     the type.
     * @param wireName its field name, or the prefix of its flattened fields.
     * @param origin   where it is declared.
     * @param path     records being flattened around it (to catch a record that contains itself).
     * @return the node, or null when an error was reported.
     */
    private Node node(final TypeMirror type, final String wireName, final Element origin, final List<TypeElement> path)
    {
        switch (type.getKind())
        {
            case BOOLEAN:
                return new Leaf(wireName, type, origin, Wire.BOOLEAN, null);
            case BYTE:
                return new Leaf(wireName, type, origin, Wire.BYTE, null);
            case SHORT:
                return new Leaf(wireName, type, origin, Wire.SHORT, null);
            case CHAR:
                return new Leaf(wireName, type, origin, Wire.CHAR, null);
            case INT:
                return new Leaf(wireName, type, origin, Wire.INT, null);
            case LONG:
                return new Leaf(wireName, type, origin, Wire.LONG, null);
            case FLOAT:
                return new Leaf(wireName, type, origin, Wire.FLOAT, null);
            case DOUBLE:
                return new Leaf(wireName, type, origin, Wire.DOUBLE, null);
            case ARRAY:
                if (((ArrayType)type).getComponentType().getKind() == TypeKind.BYTE)
                {
                    return new Leaf(wireName, type, origin, Wire.BYTES, null);
                }
                return unsupported(type, origin, "arrays other than byte[] are not supported; use " +
                    "java.util.List<R> of a record");
            case DECLARED:
                return declared((DeclaredType)type, wireName, origin, path);
            case ERROR:
                error(origin, "type " + type + " of " + describe(origin) + " cannot be resolved");
                return null;
            default:
                return unsupported(type, origin, "");
        }
    }

    private Node declared(
        final DeclaredType type, final String wireName, final Element origin, final List<TypeElement> path)
    {
        final TypeElement element = (TypeElement)type.asElement();
        if (element.getQualifiedName().contentEquals("java.lang.String"))
        {
            return new Leaf(wireName, type, origin, Wire.STRING, null);
        }
        if (element.getKind() == ElementKind.ENUM)
        {
            final EnumType enumType = enumType(element, origin);
            return enumType == null ? null : new Leaf(wireName, type, origin, Wire.ENUM, enumType);
        }
        if (element.getKind() == ElementKind.RECORD)
        {
            return record(type, element, wireName, origin, path);
        }
        if (types.isSameType(types.erasure(type), listType))
        {
            if (type.getTypeArguments().size() != 1 || !isRecord(type.getTypeArguments().getFirst()))
            {
                return unsupported(type, origin, "a list must be java.util.List<R> where R is a record (lists of " +
                    "non-records are not supported: wrap the value in a record)");
            }
            final DeclaredType elementType = (DeclaredType)type.getTypeArguments().getFirst();
            final RecordNode elementNode = record(elementType, (TypeElement)elementType.asElement(), "", origin,
                path);
            if (elementNode == null)
            {
                return null;
            }
            return new GroupNode(wireName, type, origin, elementNode, Block.of(List.of(elementNode)));
        }
        return unsupported(type, origin, "");
    }

    private RecordNode record(
        final DeclaredType type, final TypeElement element, final String prefix, final Element origin,
        final List<TypeElement> path)
    {
        if (path.contains(element))
        {
            error(origin, "record " + element.getQualifiedName() + " contains itself (through " +
                pathText(path, element) + "): a message must have a finite layout");
            return null;
        }
        if (!element.getTypeParameters().isEmpty())
        {
            error(origin, "record " + element.getQualifiedName() + " is generic: records on the wire cannot " +
                "have type parameters");
            return null;
        }
        if (!isAccessibleFrom(element))
        {
            error(origin, "record " + element.getQualifiedName() + " must be public (or in package " +
                cellPackage + "): the generated dispatcher and client create it");
            return null;
        }
        path.add(element);
        final List<Member> members = new ArrayList<>();
        boolean ok = true;
        for (final RecordComponentElement component : element.getRecordComponents())
        {
            final String name = component.getSimpleName().toString();
            Node node = node(component.asType(), Naming.flattened(prefix, name), component, path);
            final int since = since(component);
            if (node != null && since != 0)
            {
                node = optional(node, since, component);
            }
            if (node == null)
            {
                ok = false;
            }
            else
            {
                members.add(new Member(name, node));
            }
        }
        path.removeLast();
        return ok ? new RecordNode(prefix, type, origin, element, List.copyOf(members)) : null;
    }

    private static int since(final RecordComponentElement component)
    {
        for (final AnnotationMirror a : component.getAnnotationMirrors())
        {
            if (((TypeElement)a.getAnnotationType().asElement()).getQualifiedName().contentEquals(SINCE_ANNOTATION))
            {
                for (final Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
                    a.getElementValues().entrySet())
                {
                    if (e.getKey().getSimpleName().contentEquals("value"))
                    {
                        return Math.max(-1, ((Number)e.getValue().getValue()).intValue());
                    }
                }
            }
        }
        return 0;
    }

    private Node optional(final Node node, final int since, final Element origin)
    {
        if (since < 1 || since > 65_535)
        {
            error(origin, "@Since(" + since + ") is not a schema version: the first field added after the original " +
                "contract is @Since(1), the next @Since(2)...");
            return null;
        }
        if (node instanceof Leaf leaf && leaf.wire() != Wire.ENUM && leaf.wire() != Wire.BOOLEAN &&
            leaf.wire() != Wire.CHAR)
        {
            return leaf.since(since);
        }
        error(origin, "@Since goes on a byte, short, int, long, float, double, String or byte[] component: an " +
            "older peer reads an optional field as its SBE null value, which an enum, boolean, char, record or " +
            "list does not have; add a field of one of those types instead");
        return null;
    }

    private EnumType enumType(final TypeElement element, final Element origin)
    {
        final String qualified = element.getQualifiedName().toString();
        final EnumType known = enums.get(qualified);
        if (known != null)
        {
            return known;
        }
        if (!isAccessibleFrom(element))
        {
            error(origin, "enum " + qualified + " must be public (or in package " + cellPackage + ")");
            return null;
        }
        final List<String> constants = new ArrayList<>();
        for (final Element e : element.getEnclosedElements())
        {
            if (e.getKind() == ElementKind.ENUM_CONSTANT)
            {
                constants.add(e.getSimpleName().toString());
            }
        }
        if (constants.isEmpty() || constants.size() > MAX_ENUM_CONSTANTS)
        {
            error(origin, "enum " + qualified + " has " + constants.size() + " constants: an enum on the wire " +
                "needs 1 to " + MAX_ENUM_CONSTANTS + " (it is sent as a uint8 ordinal, 255 meaning null)");
            return null;
        }
        if (constants.contains("NULL_VAL"))
        {
            error(origin, "enum " + qualified + " has a constant NULL_VAL, which SBE reserves for null: rename it");
            return null;
        }
        final String sbeName = element.getSimpleName().toString();
        final TypeElement other = enumsBySbeName.putIfAbsent(sbeName, element);
        if (other != null && !other.equals(element))
        {
            error(origin, "enums " + other.getQualifiedName() + " and " + qualified + " have the same simple " +
                "name, which is their SBE type name: rename one of them");
            return null;
        }
        final EnumType enumType = new EnumType(element, sbeName, List.copyOf(constants));
        enums.put(qualified, enumType);
        return enumType;
    }

    private Node unsupported(final TypeMirror type, final Element origin, final String hint)
    {
        error(origin, "type " + type + " of " + describe(origin) + " is not supported on the wire" +
            (hint.isEmpty() ? "" : ": " + hint) + "; " + SUPPORTED_TYPES);
        return null;
    }

    private boolean isRecord(final TypeMirror type)
    {
        return type.getKind() == TypeKind.DECLARED && types.asElement(type).getKind() == ElementKind.RECORD;
    }

    private static boolean isAccessible(final TypeElement type)
    {
        Element e = type;
        while (e instanceof TypeElement t)
        {
            if (t.getModifiers().contains(Modifier.PRIVATE))
            {
                return false;
            }
            e = t.getEnclosingElement();
        }
        return true;
    }

    /**
     * @param type a type.
     * @return true when code in the cell's package can name it.
     */
    private boolean isAccessibleFrom(final TypeElement type)
    {
        if (!isAccessible(type))
        {
            return false;
        }
        final String pkg = elements.getPackageOf(type).getQualifiedName().toString();
        if (pkg.equals(cellPackage))
        {
            return true;
        }
        Element e = type;
        while (e instanceof TypeElement t)
        {
            if (!t.getModifiers().contains(Modifier.PUBLIC))
            {
                return false;
            }
            e = t.getEnclosingElement();
        }
        return true;
    }

    private static String pathText(final List<TypeElement> path, final TypeElement again)
    {
        final StringBuilder sb = new StringBuilder();
        for (final TypeElement t : path.subList(path.indexOf(again), path.size()))
        {
            sb.append(t.getSimpleName()).append(" -> ");
        }
        return sb.append(again.getSimpleName()).toString();
    }

    private static String describe(final Element element)
    {
        return switch (element.getKind())
        {
            case PARAMETER -> "parameter '" + element.getSimpleName() + "' of " +
                element.getEnclosingElement().getSimpleName() + "()";
            case RECORD_COMPONENT -> "component '" + element.getSimpleName() + "' of record " +
                element.getEnclosingElement().getSimpleName();
            case METHOD -> "the result of " + element.getSimpleName() + "()";
            default -> element.getSimpleName().toString();
        };
    }

    private static String kindName(final ElementKind kind)
    {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private void error(final Element element, final String message)
    {
        failed = true;
        messager.printMessage(Diagnostic.Kind.ERROR, message, element);
    }
}
