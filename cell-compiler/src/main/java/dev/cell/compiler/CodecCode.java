package dev.cell.compiler;

import dev.cell.compiler.CellModel.Block;
import dev.cell.compiler.CellModel.GroupNode;
import dev.cell.compiler.CellModel.Leaf;
import dev.cell.compiler.CellModel.Member;
import dev.cell.compiler.CellModel.Node;
import dev.cell.compiler.CellModel.RecordNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeMirror;

/**
 * Emits the statements that move Java values in and out of SBE's codecs, shared by the generated dispatcher and
 * client. Encoding follows SBE's order (fixed fields, groups, var data); decoding reads in the same order into
 * locals and then calls the records' canonical constructors.
 */
final class CodecCode
{
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

    private final JavaFile file;
    private final CellModel cell;

    /**
     * @param file where to write.
     * @param cell the cell.
     */
    CodecCode(final JavaFile file, final CellModel cell)
    {
        this.file = file;
        this.cell = cell;
    }

    /**
     * Local variable names of one generated method: each {@link #fresh(String)} name is unused so far.
     */
    static final class Scope
    {
        private final Set<String> used = new HashSet<>();

        /**
         * @param reserved names already in use (parameters, fields, other identifiers the method writes).
         */
        Scope(final String... reserved)
        {
            used.addAll(List.of(reserved));
        }

        /**
         * @param name a name to reserve.
         * @return this.
         */
        Scope reserve(final String name)
        {
            used.add(name);
            return this;
        }

        /**
         * @param base preferred name.
         * @return {@code base}, or {@code base2}, {@code base3}… whichever is free; now taken.
         */
        String fresh(final String base)
        {
            String name = base;
            for (int i = 2; !used.add(name) || javax.lang.model.SourceVersion.isKeyword(name); i++)
            {
                name = base + i;
            }
            return name;
        }
    }

    /**
     * @param type a supported wire type.
     * @return how to write it.
     */
    String typeName(final TypeMirror type)
    {
        return switch (type.getKind())
        {
            case BOOLEAN -> "boolean";
            case BYTE -> "byte";
            case SHORT -> "short";
            case CHAR -> "char";
            case INT -> "int";
            case LONG -> "long";
            case FLOAT -> "float";
            case DOUBLE -> "double";
            case VOID -> "void";
            case ARRAY -> typeName(((ArrayType)type).getComponentType()) + "[]";
            case DECLARED ->
            {
                final DeclaredType declared = (DeclaredType)type;
                final String raw = file.ref(((TypeElement)declared.asElement()).getQualifiedName().toString());
                if (declared.getTypeArguments().isEmpty())
                {
                    yield raw;
                }
                final List<String> args = new ArrayList<>();
                for (final TypeMirror arg : declared.getTypeArguments())
                {
                    args.add(typeName(arg));
                }
                yield raw + "<" + String.join(", ", args) + ">";
            }
            default -> throw new IllegalArgumentException("not a wire type: " + type);
        };
    }

    /**
     * @param type a supported wire type or void.
     * @return how to write it as a type argument (boxed).
     */
    String boxedName(final TypeMirror type)
    {
        return switch (type.getKind())
        {
            case BOOLEAN -> file.ref("java.lang.Boolean");
            case BYTE -> file.ref("java.lang.Byte");
            case SHORT -> file.ref("java.lang.Short");
            case CHAR -> file.ref("java.lang.Character");
            case INT -> file.ref("java.lang.Integer");
            case LONG -> file.ref("java.lang.Long");
            case FLOAT -> file.ref("java.lang.Float");
            case DOUBLE -> file.ref("java.lang.Double");
            case VOID -> file.ref("java.lang.Void");
            default -> typeName(type);
        };
    }

    /**
     * @param simpleName a class of the cell's SBE codecs.
     * @return how to write it.
     */
    String codec(final String simpleName)
    {
        return file.ref(cell.codecPackage() + "." + simpleName);
    }

    /**
     * A value to encode.
     *
     * @param node     how it is laid out.
     * @param expr     Java expression giving it.
     * @param javaPath what to call it in a null-check message.
     */
    record Source(Node node, String expr, String javaPath)
    {
    }

    /**
     * Emit the statements encoding values into a wrapped encoder.
     *
     * @param block      the values' fields in wire order.
     * @param sources    the values.
     * @param encoder    variable holding the encoder (message or group).
     * @param codecClass how to write the encoder's class (for nested group classes).
     * @param scope      local names of the method.
     */
    void encode(
        final Block block, final List<Source> sources, final String encoder, final String codecClass,
        final Scope scope)
    {
        final Map<Node, String> exprs = new HashMap<>();
        for (final Source source : sources)
        {
            resolve(source.node(), source.expr(), source.javaPath(), exprs, scope);
        }
        for (final Leaf leaf : block.fixed())
        {
            file.line(encoder + "." + leaf.wireName() + "(" + encodeValue(leaf, exprs.get(leaf)) + ");");
        }
        for (final GroupNode group : block.groups())
        {
            final String list = local(exprs.get(group), group.wireName(), typeName(group.type()), scope);
            final String groupClass = codecClass + "." + group.encoderClass();
            final String groupEncoder = scope.fresh(group.wireName() + "Encoder");
            file.line("final " + groupClass + " " + groupEncoder + " = " + encoder + "." + group.wireName() +
                "Count(" + list + " == null ? 0 : " + list + ".size());");
            file.line("if (" + list + " != null)").open();
            final String element = scope.fresh(Naming.decapitalize(group.element().record().getSimpleName()
                .toString()));
            file.line("for (final " + typeName(group.element().type()) + " " + element + " : " + list + ")").open();
            file.line(groupEncoder + ".next();");
            encode(group.block(), List.of(new Source(group.element(), element, group.wireName() + "[]")), groupEncoder, groupClass, scope);
            file.close();
            file.close();
        }
        for (final Leaf leaf : block.vars())
        {
            final String expr = exprs.get(leaf);
            if (leaf.wire() == CellModel.Wire.STRING)
            {
                file.line(encoder + "." + leaf.wireName() + "(" + expr + ");");
            }
            else
            {
                final String bytes = scope.fresh(leaf.wireName() + "Bytes");
                file.line("final byte[] " + bytes + " = " + file.ref(cell.qualify(cell.mappingName())) +
                    ".orEmpty(" + expr + ");");
                file.line(encoder + ".put" + Naming.capitalize(leaf.wireName()) + "(" + bytes + ", 0, " + bytes +
                    ".length);");
            }
        }
    }

    private void resolve(
        final Node node, final String expr, final String javaPath, final Map<Node, String> exprs, final Scope scope)
    {
        if (!(node instanceof RecordNode record))
        {
            exprs.put(node, expr);
            return;
        }
        final String message = "\"" + javaPath + " must not be null: records are flattened into the message\"";
        final String objects = file.ref("java.util.Objects");
        final String value;
        if (IDENTIFIER.matcher(expr).matches())
        {
            file.line(objects + ".requireNonNull(" + expr + ", " + message + ");");
            value = expr;
        }
        else
        {
            value = scope.fresh(record.wireName().isEmpty() ?
                Naming.decapitalize(record.record().getSimpleName().toString()) : record.wireName());
            file.line("final " + typeName(record.type()) + " " + value + " = " + objects + ".requireNonNull(" +
                expr + ", " + message + ");");
        }
        for (final Member member : record.members())
        {
            resolve(member.node(), value + "." + member.accessor() + "()", javaPath + "." + member.accessor(),
                exprs, scope);
        }
    }

    private String local(final String expr, final String base, final String type, final Scope scope)
    {
        if (IDENTIFIER.matcher(expr).matches())
        {
            return expr;
        }
        final String name = scope.fresh(base);
        file.line("final " + type + " " + name + " = " + expr + ";");
        return name;
    }

    private String encodeValue(final Leaf leaf, final String expr)
    {
        return switch (leaf.wire())
        {
            case BOOLEAN -> "(short)(" + expr + " ? 1 : 0)";
            case ENUM -> file.ref(cell.qualify(cell.mappingName())) + ".encode" + leaf.enumType().name() + "(" +
                expr + ")";
            default -> expr;
        };
    }

    /**
     * Emit the statements decoding values from a wrapped decoder into locals.
     *
     * @param block      the values' fields in wire order.
     * @param roots      the values.
     * @param decoder    variable holding the decoder (message or group).
     * @param codecClass how to write the decoder's class (for nested group classes).
     * @param scope      local names of the method.
     * @return per root, the expression (a local) holding its value.
     */
    List<String> decode(
        final Block block, final List<Node> roots, final String decoder, final String codecClass, final Scope scope)
    {
        final Map<Node, String> locals = new HashMap<>();
        for (final Leaf leaf : block.fixed())
        {
            final String local = scope.fresh(leaf.wireName());
            file.line("final " + typeName(leaf.type()) + " " + local + " = " + decodeValue(leaf, decoder) + ";");
            locals.put(leaf, local);
        }
        for (final GroupNode group : block.groups())
        {
            final String groupClass = codecClass + "." + group.decoderClass();
            final String groupDecoder = scope.fresh(group.wireName() + "Decoder");
            final String list = scope.fresh(group.wireName());
            file.line("final " + groupClass + " " + groupDecoder + " = " + decoder + "." + group.wireName() + "();");
            file.line("final " + typeName(group.type()) + " " + list + " = new " + file.ref("java.util.ArrayList") +
                "<>(" + groupDecoder + ".count());");
            file.line("while (" + groupDecoder + ".hasNext())").open();
            file.line(groupDecoder + ".next();");
            final String element = decode(group.block(), List.of(group.element()), groupDecoder, groupClass, scope)
                .getFirst();
            file.line(list + ".add(" + element + ");");
            file.close();
            locals.put(group, list);
        }
        for (final Leaf leaf : block.vars())
        {
            final String local = scope.fresh(leaf.wireName());
            if (leaf.wire() == CellModel.Wire.STRING)
            {
                file.line("final " + file.ref("java.lang.String") + " " + local + " = " + decoder + "." +
                    leaf.wireName() + "();");
            }
            else
            {
                file.line("final byte[] " + local + " = new byte[" + decoder + "." + leaf.wireName() + "Length()];");
                file.line(decoder + ".get" + Naming.capitalize(leaf.wireName()) + "(" + local + ", 0, " + local +
                    ".length);");
            }
            locals.put(leaf, local);
        }
        final List<String> exprs = new ArrayList<>();
        for (final Node root : roots)
        {
            exprs.add(construct(root, locals, scope));
        }
        return exprs;
    }

    private String construct(final Node node, final Map<Node, String> locals, final Scope scope)
    {
        if (!(node instanceof RecordNode record))
        {
            return locals.get(node);
        }
        final List<String> args = new ArrayList<>();
        for (final Member member : record.members())
        {
            args.add(construct(member.node(), locals, scope));
        }
        final String type = typeName(record.type());
        final String local = scope.fresh(record.wireName().isEmpty() ?
            Naming.decapitalize(record.record().getSimpleName().toString()) : record.wireName());
        file.call("final " + type + " " + local + " = new " + type + "(", args, ");");
        return local;
    }

    private String decodeValue(final Leaf leaf, final String decoder)
    {
        final String read = decoder + "." + leaf.wireName();
        return switch (leaf.wire())
        {
            case BOOLEAN -> read + "() != 0";
            case CHAR -> "(char)" + read + "()";
            case ENUM -> file.ref(cell.qualify(cell.mappingName())) + ".decode" + leaf.enumType().name() + "(" +
                read + "Raw())";
            default -> read + "()";
        };
    }
}
