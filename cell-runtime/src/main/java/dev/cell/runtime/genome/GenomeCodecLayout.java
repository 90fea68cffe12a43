package dev.cell.runtime.genome;

import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.PrimitiveValue;
import uk.co.real_logic.sbe.ir.Encoding;
import uk.co.real_logic.sbe.ir.Signal;
import uk.co.real_logic.sbe.ir.Token;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The layout of an SBE schema's messages as the JSON codec ({@code GenomeCodec}, in cell-tools) walks them: built once from SBE's IR tokens, so
 * encoding and decoding need not re-scan token lists.
 */
final class GenomeCodecLayout
{
    private GenomeCodecLayout()
    {
    }

    /**
     * The type of a fixed-size field or of a composite's member.
     */
    sealed interface Type permits Primitive, EnumType, SetType, Composite
    {
        /**
         * @return how the type reads in error messages, e.g. {@code int64} or {@code Side (BUY|SELL)}.
         */
        String describe();
    }

    /**
     * A primitive, a fixed array of primitives, or a fixed-length char array (a string).
     *
     * @param type         the primitive type.
     * @param arrayLength  1 for a scalar.
     * @param presence     required, optional or constant.
     * @param constValue   the value when constant.
     * @param min          smallest allowed value (integers).
     * @param max          largest allowed value (integers).
     * @param nullValue    the null value (optional fields).
     * @param semanticType the schema's semantic type, may be null.
     */
    record Primitive(
        PrimitiveType type,
        int arrayLength,
        Encoding.Presence presence,
        PrimitiveValue constValue,
        PrimitiveValue min,
        PrimitiveValue max,
        PrimitiveValue nullValue,
        String semanticType) implements Type
    {
        boolean isCharArray()
        {
            return type == PrimitiveType.CHAR && arrayLength > 1;
        }

        @Override
        public String describe()
        {
            if (isCharArray())
            {
                return "string (at most " + arrayLength + " chars)";
            }
            final String name = type.primitiveName();
            return arrayLength > 1 ? name + "[" + arrayLength + "]" : name;
        }
    }

    /**
     * An SBE enum.
     *
     * @param name      the enum's name.
     * @param encoding  its encoding type.
     * @param values    constant name to wire value, in schema order.
     * @param nullValue the wire value meaning null.
     */
    record EnumType(String name, PrimitiveType encoding, Map<String, Long> values, long nullValue) implements Type
    {
        @Override
        public String describe()
        {
            return name + " (" + String.join("|", values.keySet()) + ")";
        }

        String nameOf(final long value)
        {
            for (final Map.Entry<String, Long> e : values.entrySet())
            {
                if (e.getValue() == value)
                {
                    return e.getKey();
                }
            }
            return null;
        }
    }

    /**
     * An SBE set (bit set): a JSON array of choice names.
     *
     * @param name     the set's name.
     * @param encoding its encoding type.
     * @param choices  choice name to bit index, in schema order.
     */
    record SetType(String name, PrimitiveType encoding, Map<String, Integer> choices) implements Type
    {
        @Override
        public String describe()
        {
            return name + " (array of " + String.join("|", choices.keySet()) + ")";
        }
    }

    /**
     * An SBE composite: a JSON object.
     *
     * @param name    the composite's name.
     * @param members its members, offsets relative to the composite.
     */
    record Composite(String name, List<Field> members) implements Type
    {
        @Override
        public String describe()
        {
            final StringJoiner j = new StringJoiner(", ", name + " {", "}");
            members.forEach(m -> j.add(m.name() + ": " + m.type().describe()));
            return j.toString();
        }
    }

    /**
     * A fixed-size field (or composite member).
     *
     * @param name         its name.
     * @param offset       its offset in the enclosing block or composite.
     * @param sinceVersion the schema version that added it.
     * @param type         its type.
     */
    record Field(String name, int offset, int sinceVersion, Type type)
    {
        boolean isConstant()
        {
            return type instanceof Primitive p && p.presence() == Encoding.Presence.CONSTANT;
        }

        boolean isOptional()
        {
            return type instanceof Primitive p && p.presence() == Encoding.Presence.OPTIONAL;
        }
    }

    /**
     * A repeating group: a JSON array of objects.
     *
     * @param name           its name.
     * @param sinceVersion   the schema version that added it.
     * @param dimensionSize  encoded length of its dimension header.
     * @param blockLengthAt  offset of the block length in the dimension header.
     * @param blockLengthType type of the block length.
     * @param countAt        offset of the entry count in the dimension header.
     * @param countType      type of the entry count.
     * @param maxCount       most entries the count can carry.
     * @param body           each entry's layout.
     */
    record Group(
        String name,
        int sinceVersion,
        int dimensionSize,
        int blockLengthAt,
        PrimitiveType blockLengthType,
        int countAt,
        PrimitiveType countType,
        long maxCount,
        Block body)
    {
    }

    /**
     * Variable length data: a JSON string (text) or a base64 JSON string (bytes).
     *
     * @param name         its name.
     * @param sinceVersion the schema version that added it.
     * @param lengthType   type of the length prefix.
     * @param maxLength    largest length the prefix may carry.
     * @param dataOffset   offset of the data after the start of the length prefix.
     * @param charset      the text's charset, null for opaque bytes (base64 in JSON).
     */
    record VarData(String name, int sinceVersion, PrimitiveType lengthType, long maxLength, int dataOffset,
        Charset charset)
    {
    }

    /**
     * A message body or a group entry: fixed fields, then groups, then var data.
     *
     * @param blockLength the fixed block's length.
     * @param fields      fixed fields.
     * @param groups      repeating groups.
     * @param varData     var data fields.
     */
    record Block(int blockLength, List<Field> fields, List<Group> groups, List<VarData> varData)
    {
        /**
         * @return every name a JSON object for this block may carry, with its type, for error messages.
         */
        String describe()
        {
            final StringJoiner j = new StringJoiner(", ");
            for (final Field f : fields)
            {
                if (!f.isConstant())
                {
                    j.add(f.name() + ": " + f.type().describe() + (f.isOptional() ? " (optional)" : ""));
                }
            }
            for (final Group g : groups)
            {
                j.add(g.name() + ": array of {" + g.body().describe() + "}");
            }
            for (final VarData v : varData)
            {
                j.add(v.name() + ": " + (v.charset() == null ? "base64 bytes" : "string"));
            }
            return j.length() == 0 ? "(none)" : j.toString();
        }

        boolean has(final String name)
        {
            return fields.stream().anyMatch(f -> f.name().equals(name)) ||
                groups.stream().anyMatch(g -> g.name().equals(name)) ||
                varData.stream().anyMatch(v -> v.name().equals(name));
        }
    }

    /**
     * A message of the schema.
     *
     * @param name       its name.
     * @param templateId its template id.
     * @param body       its layout.
     */
    record Message(String name, int templateId, Block body)
    {
    }

    /**
     * Build a message's layout from its IR tokens.
     *
     * @param tokens the message's tokens, BEGIN_MESSAGE first.
     * @return the layout.
     */
    static Message message(final List<Token> tokens)
    {
        final Token begin = tokens.getFirst();
        if (begin.signal() != Signal.BEGIN_MESSAGE)
        {
            throw new IllegalArgumentException("IR: message tokens do not start with BEGIN_MESSAGE: " + begin);
        }
        return new Message(begin.name(), begin.id(), block(tokens, 1, tokens.size() - 1, begin.encodedLength()));
    }

    private static Block block(final List<Token> tokens, final int from, final int to, final int blockLength)
    {
        final List<Field> fields = new ArrayList<>();
        final List<Group> groups = new ArrayList<>();
        final List<VarData> varData = new ArrayList<>();
        int i = from;
        while (i < to)
        {
            final Token t = tokens.get(i);
            final int end = i + Math.max(1, t.componentTokenCount());
            switch (t.signal())
            {
                case BEGIN_FIELD ->
                {
                    final Token typeToken = tokens.get(i + 1);
                    fields.add(new Field(t.name(), typeToken.offset(), t.version(), type(tokens, i + 1)));
                }
                case BEGIN_GROUP -> groups.add(group(tokens, i, end - 1));
                case BEGIN_VAR_DATA -> varData.add(varData(tokens, i));
                default ->
                {
                    // END_* tokens of an enclosing structure: nothing to lay out.
                }
            }
            i = end;
        }
        return new Block(blockLength, List.copyOf(fields), List.copyOf(groups), List.copyOf(varData));
    }

    private static Group group(final List<Token> tokens, final int begin, final int end)
    {
        final Token g = tokens.get(begin);
        final Token dim = tokens.get(begin + 1);
        final int dimEnd = begin + 1 + dim.componentTokenCount();
        Token blockLength = null;
        Token count = null;
        for (int i = begin + 2; i < dimEnd - 1; i++)
        {
            final Token t = tokens.get(i);
            if ("blockLength".equals(t.name()))
            {
                blockLength = t;
            }
            else if ("numInGroup".equals(t.name()))
            {
                count = t;
            }
        }
        if (blockLength == null || count == null)
        {
            throw new IllegalArgumentException(
                "IR: group '" + g.name() + "' has a dimension without blockLength and numInGroup");
        }
        final long maxCount = count.encoding().applicableMaxValue().longValue();
        return new Group(
            g.name(), g.version(), dim.encodedLength(),
            blockLength.offset(), blockLength.encoding().primitiveType(),
            count.offset(), count.encoding().primitiveType(), maxCount,
            block(tokens, dimEnd, end, g.encodedLength()));
    }

    private static VarData varData(final List<Token> tokens, final int begin)
    {
        final Token v = tokens.get(begin);
        final Token composite = tokens.get(begin + 1);
        Token length = null;
        Token data = null;
        for (int i = begin + 2; i < begin + 1 + composite.componentTokenCount() - 1; i++)
        {
            final Token t = tokens.get(i);
            if ("length".equals(t.name()))
            {
                length = t;
            }
            else if ("varData".equals(t.name()))
            {
                data = t;
            }
        }
        if (length == null || data == null)
        {
            throw new IllegalArgumentException("IR: var data '" + v.name() + "' lacks a length or varData member");
        }
        final Encoding lengthEncoding = length.encoding();
        final long max = lengthEncoding.maxValue() != null ?
            lengthEncoding.maxValue().longValue() : lengthEncoding.applicableMaxValue().longValue();
        final String charsetName = data.encoding().characterEncoding();
        final Charset charset = charsetName == null || charsetName.isBlank() ? null : charset(charsetName);
        return new VarData(v.name(), v.version(), lengthEncoding.primitiveType(), max, data.offset(), charset);
    }

    private static Charset charset(final String name)
    {
        if ("UTF-8".equalsIgnoreCase(name) || "UTF8".equalsIgnoreCase(name))
        {
            return StandardCharsets.UTF_8;
        }
        return Charset.forName(name);
    }

    private static Type type(final List<Token> tokens, final int at)
    {
        final Token t = tokens.get(at);
        return switch (t.signal())
        {
            case ENCODING -> primitive(t);
            case BEGIN_ENUM ->
            {
                final Map<String, Long> values = new LinkedHashMap<>();
                for (int i = at + 1; tokens.get(i).signal() == Signal.VALID_VALUE; i++)
                {
                    values.put(tokens.get(i).name(), tokens.get(i).encoding().constValue().longValue());
                }
                final Encoding e = t.encoding();
                yield new EnumType(t.applicableTypeName(), e.primitiveType(), values, e.applicableNullValue().longValue());
            }
            case BEGIN_SET ->
            {
                final Map<String, Integer> choices = new LinkedHashMap<>();
                for (int i = at + 1; tokens.get(i).signal() == Signal.CHOICE; i++)
                {
                    choices.put(tokens.get(i).name(), (int)tokens.get(i).encoding().constValue().longValue());
                }
                yield new SetType(t.applicableTypeName(), t.encoding().primitiveType(), choices);
            }
            case BEGIN_COMPOSITE ->
            {
                final List<Field> members = new ArrayList<>();
                final int end = at + t.componentTokenCount() - 1;
                int i = at + 1;
                while (i < end)
                {
                    final Token m = tokens.get(i);
                    members.add(new Field(m.name(), m.offset(), m.version(), type(tokens, i)));
                    i += Math.max(1, m.componentTokenCount());
                }
                yield new Composite(t.applicableTypeName(), List.copyOf(members));
            }
            default -> throw new IllegalArgumentException("IR: unexpected token for a field type: " + t);
        };
    }

    private static Primitive primitive(final Token t)
    {
        final Encoding e = t.encoding();
        final PrimitiveType type = e.primitiveType();
        final int arrayLength = Math.max(1, t.arrayLength());
        return new Primitive(
            type, arrayLength, e.presence(), e.constValue(),
            e.applicableMinValue(), e.applicableMaxValue(), e.applicableNullValue(), e.semanticType());
    }
}
