package dev.cell.compiler;

import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeMirror;

/**
 * What the processor knows about one {@code @Cell} class once it has been validated: its handlers, the SBE messages
 * they map to and how each Java value is laid out on the wire. Everything here is in a canonical order (handlers and
 * errors sorted by name, fields in wire order), never in source order.
 *
 * @param element      the {@code @Cell} class.
 * @param name         the cell's name.
 * @param version      the contract's semantic version.
 * @param major        its major version (part of the fingerprint).
 * @param packageName  package of the {@code @Cell} class, where the generated classes go.
 * @param prefix       class name prefix of the generated classes ({@code order-book} gives {@code OrderBook}).
 * @param codecPackage package of SBE's codecs.
 * @param schemaId     SBE schema id.
 * @param handlers     handlers sorted by name.
 * @param errors       error types of all handlers, sorted by name.
 * @param enums        enums used anywhere, sorted by name.
 */
record CellModel(
    TypeElement element,
    String name,
    String version,
    int major,
    String packageName,
    String prefix,
    String codecPackage,
    int schemaId,
    List<Handler> handlers,
    List<ErrorType> errors,
    List<EnumType> enums)
{
    /**
     * SBE schema version of a cell schema without optional ({@code @Since}) fields.
     */
    static final int SCHEMA_VERSION = 0;

    /**
     * @return the SBE schema version: the highest {@code @Since} of any field, 0 when there is none.
     */
    int schemaVersion()
    {
        int version = SCHEMA_VERSION;
        for (final Handler h : handlers)
        {
            version = Math.max(version, Math.max(h.request().block().maxSince(), h.response().block().maxSince()));
        }
        for (final ErrorType e : errors)
        {
            version = Math.max(version, e.message().block().maxSince());
        }
        return version;
    }

    /**
     * @return simple name of the generated dispatcher.
     */
    String dispatcherName()
    {
        return prefix + "Dispatcher";
    }

    /**
     * @return simple name of the generated binding.
     */
    String bindingName()
    {
        return prefix + "Binding";
    }

    /**
     * @return simple name of the generated client.
     */
    String clientName()
    {
        return prefix + "Client";
    }

    /**
     * @return simple name of the generated typed replay of a stateful cell's journal.
     */
    String journalName()
    {
        return prefix + "Journal";
    }

    /**
     * @return simple name of the generated conversions between Java and SBE types.
     */
    String mappingName()
    {
        return prefix + "Mapping";
    }

    /**
     * @param simpleName a generated class's simple name.
     * @return its qualified name.
     */
    String qualify(final String simpleName)
    {
        return packageName.isEmpty() ? simpleName : packageName + "." + simpleName;
    }

    /**
     * One handler: a public instance method of the cell class.
     *
     * @param method   the method.
     * @param name     its name.
     * @param params   its parameters in declaration order.
     * @param result   its return type, {@code null} when void.
     * @param thrown   the {@code CellError} subtypes its {@code throws} clause names, as written.
     * @param request  its request message.
     * @param response its response message.
     * @param errors   the concrete error types it may answer with, sorted by name.
     */
    record Handler(
        ExecutableElement method,
        String name,
        List<Param> params,
        TypeMirror result,
        List<TypeElement> thrown,
        Message request,
        Message response,
        List<ErrorType> errors)
    {
    }

    /**
     * A handler parameter.
     *
     * @param name its name.
     * @param type its type.
     */
    record Param(String name, TypeMirror type)
    {
    }

    /**
     * One SBE message.
     *
     * @param name       SBE message name.
     * @param templateId SBE template id.
     * @param slots      the Java values it carries (parameters, result or error fields).
     * @param block      its fields in wire order.
     */
    record Message(String name, int templateId, List<Slot> slots, Block block)
    {
        /**
         * @return simple name of SBE's encoder for this message.
         */
        String encoder()
        {
            return name + "Encoder";
        }

        /**
         * @return simple name of SBE's decoder for this message.
         */
        String decoder()
        {
            return name + "Decoder";
        }
    }

    /**
     * A declared error type, one message.
     *
     * @param element the error class.
     * @param message its message; the slots are the constructor's parameters, read back through their accessors.
     */
    record ErrorType(TypeElement element, Message message)
    {
        /**
         * @return the SBE message name, the class's simple name.
         */
        String name()
        {
            return message.name();
        }
    }

    /**
     * An enum used by some message.
     *
     * @param element   the enum class.
     * @param name      SBE type name (the enum's simple name).
     * @param constants its constants in ordinal order.
     */
    record EnumType(TypeElement element, String name, List<String> constants)
    {
    }

    /**
     * A Java value a message carries: a parameter, the result, an error's constructor parameter.
     *
     * @param javaName the parameter (or accessor) name in Java.
     * @param node     how it is laid out.
     */
    record Slot(String javaName, Node node)
    {
    }

    /**
     * A Java value and how it maps to SBE.
     */
    sealed interface Node permits Leaf, RecordNode, GroupNode
    {
        /**
         * @return the SBE field name (for a record, the prefix of its flattened fields; empty at the root).
         */
        String wireName();

        /**
         * @return the Java type.
         */
        TypeMirror type();

        /**
         * @return where the value is declared, for error messages.
         */
        Element origin();
    }

    /**
     * A primitive, enum, String or byte[] value: one SBE field or var data.
     *
     * @param wireName SBE field name.
     * @param type     Java type.
     * @param origin   declaring element.
     * @param wire     its SBE encoding.
     * @param enumType the enum, when {@code wire} is {@link Wire#ENUM}.
     * @param since    the schema version that added it ({@code @Since}), 0 for an original field.
     */
    record Leaf(String wireName, TypeMirror type, Element origin, Wire wire, EnumType enumType, int since)
        implements Node
    {
        /**
         * A field present since the first schema version.
         *
         * @param wireName SBE field name.
         * @param type     Java type.
         * @param origin   declaring element.
         * @param wire     its SBE encoding.
         * @param enumType the enum, when {@code wire} is {@link Wire#ENUM}.
         */
        Leaf(final String wireName, final TypeMirror type, final Element origin, final Wire wire,
            final EnumType enumType)
        {
            this(wireName, type, origin, wire, enumType, 0);
        }

        /**
         * @param version the schema version that added it.
         * @return this field as an optional one added at that version.
         */
        Leaf since(final int version)
        {
            return new Leaf(wireName, type, origin, wire, enumType, version);
        }

        /**
         * @return the SBE type this field is declared with.
         */
        String sbeType()
        {
            return wire == Wire.ENUM ? enumType.name() : wire.sbeType();
        }
    }

    /**
     * A record, flattened: its components are inlined into the enclosing message or group.
     *
     * @param wireName prefix of its flattened fields (empty when its components are the message's fields).
     * @param type     Java type.
     * @param origin   declaring element.
     * @param record   the record class.
     * @param members  its components in declaration order.
     */
    record RecordNode(String wireName, TypeMirror type, Element origin, TypeElement record, List<Member> members)
        implements Node
    {
    }

    /**
     * A record component.
     *
     * @param accessor the component's name.
     * @param node     its value.
     */
    record Member(String accessor, Node node)
    {
    }

    /**
     * A {@code List} of records: an SBE repeating group.
     *
     * @param wireName SBE group name.
     * @param type     Java type ({@code List<R>}).
     * @param origin   declaring element.
     * @param element  the element record, its fields named relative to the group.
     * @param block    the group's fields in wire order.
     */
    record GroupNode(String wireName, TypeMirror type, Element origin, RecordNode element, Block block)
        implements Node
    {
        /**
         * @return simple name of the group's SBE encoder class (nested in its parent's).
         */
        String encoderClass()
        {
            return Naming.capitalize(wireName) + "Encoder";
        }

        /**
         * @return simple name of the group's SBE decoder class (nested in its parent's).
         */
        String decoderClass()
        {
            return Naming.capitalize(wireName) + "Decoder";
        }
    }

    /**
     * The fields of a message or group in SBE order: fixed fields, then groups, then var data, each in declaration
     * order after flattening.
     *
     * @param fixed  fixed-size fields.
     * @param groups repeating groups.
     * @param vars   var data.
     */
    record Block(List<Leaf> fixed, List<GroupNode> groups, List<Leaf> vars)
    {
        /**
         * Lay out values.
         *
         * @param roots the values, in declaration order.
         * @return their fields in SBE order.
         */
        static Block of(final List<Node> roots)
        {
            final List<Leaf> fixed = new ArrayList<>();
            final List<GroupNode> groups = new ArrayList<>();
            final List<Leaf> vars = new ArrayList<>();
            for (final Node root : roots)
            {
                collect(root, fixed, groups, vars);
            }
            return new Block(List.copyOf(fixed), List.copyOf(groups), List.copyOf(vars));
        }

        private static void collect(
            final Node node, final List<Leaf> fixed, final List<GroupNode> groups, final List<Leaf> vars)
        {
            switch (node)
            {
                case Leaf leaf -> (leaf.wire().isVarData() ? vars : fixed).add(leaf);
                case GroupNode group -> groups.add(group);
                case RecordNode record ->
                {
                    for (final Member member : record.members())
                    {
                        collect(member.node(), fixed, groups, vars);
                    }
                }
            }
        }

        /**
         * @return the highest {@code @Since} of this block's fields and its groups' fields.
         */
        int maxSince()
        {
            int max = 0;
            for (final Leaf l : fixed)
            {
                max = Math.max(max, l.since());
            }
            for (final Leaf l : vars)
            {
                max = Math.max(max, l.since());
            }
            for (final GroupNode g : groups)
            {
                max = Math.max(max, g.block().maxSince());
            }
            return max;
        }

        /**
         * @return every field of this block (not of nested groups) in wire order.
         */
        List<Node> fields()
        {
            final List<Node> all = new ArrayList<>(fixed);
            all.addAll(groups);
            all.addAll(vars);
            return all;
        }
    }

    /**
     * How a leaf is encoded.
     */
    enum Wire
    {
        /** {@code boolean} as uint8 0/1. */
        BOOLEAN("uint8"),
        /** {@code byte}. */
        BYTE("int8"),
        /** {@code short}. */
        SHORT("int16"),
        /** {@code char} as uint16. */
        CHAR("uint16"),
        /** {@code int}. */
        INT("int32"),
        /** {@code long}. */
        LONG("int64"),
        /** {@code float}. */
        FLOAT("float"),
        /** {@code double}. */
        DOUBLE("double"),
        /** An enum as uint8 ordinal. */
        ENUM("uint8"),
        /** {@code String} as UTF-8 var data. */
        STRING("varStringEncoding"),
        /** {@code byte[]} as var data. */
        BYTES("varDataEncoding");

        private final String sbeType;

        Wire(final String sbeType)
        {
            this.sbeType = sbeType;
        }

        /**
         * @return the SBE primitive or composite type.
         */
        String sbeType()
        {
            return sbeType;
        }

        /**
         * @return true for var data (String and byte[]).
         */
        boolean isVarData()
        {
            return this == STRING || this == BYTES;
        }
    }
}
