package dev.cell.compiler;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each rule a cell can break gives a compile error at the offending element (the line marked {@code // <- here})
 * that says what is wrong and what to do.
 */
final class CompileErrorTest
{
    private static final String ERROR_CLASS = """
        package bad;

        public final class Oops extends dev.cell.runtime.CellError
        {
            private static final long serialVersionUID = 1L;
            private final String what;

            public Oops(final String what)
            {
                super(what);
                this.what = what;
            }

            public String what()
            {
                return what;
            }
        }
        """;

    static Stream<Arguments> cases()
    {
        return Stream.of(
            cell("bad-name", "@Cell(\"Order_Book\") // <- here", "public long f() { return 1; }", "",
                "is not valid: a cell name is a lower case letter"),
            cell("boxed-parameter", "@Cell(\"c\")", "public long f(final Integer x) { return 1; } // <- here", "",
                "type java.lang.Integer of parameter 'x' of f() is not supported on the wire; supported types are"),
            cell("list-of-strings", "@Cell(\"c\")", "public void f(final Names n) { }",
                "record Names(java.util.List<String> names) { } // <- here", "lists of non-records are not supported"),
            cell("since-on-enum", "@Cell(\"c\")", "public void f(final R r) { }",
                "record R(long a, @dev.cell.runtime.Since(1) E e) { } // <- here\nenum E { X }",
                "@Since goes on a byte, short, int, long, float, double, String or byte[] component"),
            cell("since-before-original", "@Cell(\"c\")", "public void f(final R r) { }",
                "record R(@dev.cell.runtime.Since(1) long a, long b) { } // <- here",
                "comes after a field added at schema version 1 but is original"),
            cell("checked-non-cell-error", "@Cell(\"c\")",
                "public void f() throws java.io.IOException { } // <- here", "", "but not a CellError"),
            cell("abstract-error", "@Cell(\"c\")",
                "public void f() throws dev.cell.runtime.CellError { } // <- here", "", "that is not sealed"),
            cell("no-accessor", "@Cell(\"c\")", "public void f() throws NoAccessor { }", """
                final class NoAccessor extends dev.cell.runtime.CellError
                {
                    private static final long serialVersionUID = 1L;
                    public NoAccessor(final String symbol) // <- here
                    {
                        super(symbol);
                    }
                }
                """, "constructor parameter 'symbol' has no public accessor"),
            cell("two-constructors", "@Cell(\"c\")", "public void f() throws TwoWays { }", """
                final class TwoWays extends dev.cell.runtime.CellError // <- here
                {
                    private static final long serialVersionUID = 1L;
                    public TwoWays(final String a) { super(a); }
                    public TwoWays() { super("x"); }
                    public String a() { return ""; }
                }
                """, "needs exactly one public constructor"),
            source("no-no-arg-constructor", """
                @Cell("c")
                public final class C // <- here
                {
                    public C(final int x) { }
                    public void f() { }
                }
                """, "needs a public no-argument constructor"),
            cell("flattened-collision", "@Cell(\"c\")", "public void f(final Order o) { }", """
                record Money(long units) { }
                record Order(Money price, long priceUnits) { } // <- here
                """, "field name 'priceUnits' occurs twice in FRequest after flattening"),
            cell("overloaded", "@Cell(\"c\")", """
                public void f() { }
                public void f(final int x) { } // <- here
                """, "", "is overloaded"),
            cell("recursive-record", "@Cell(\"c\")", "public void f(final Node n) { }",
                "record Node(int v, java.util.List<Node> children) { } // <- here", "contains itself"),
            source("no-handlers", """
                @Cell("c")
                public final class C // <- here
                {
                    void notAHandler() { }
                }
                """, "has no handlers"),
            cell("codec-name-clash", "@Cell(\"c\")", "public void f(final Window w) { }",
                "record Window(int offset, int size) { } // <- here", "clashes with a method of SBE"),
            cell("generic-handler", "@Cell(\"c\")", "public <T> void f() { } // <- here", "", "type parameters"),
            cell("reserved-handler", "@Cell(\"c\")", "public void close() { } // <- here", "",
                "cannot be a handler name"),
            cell("enum-null-val", "@Cell(\"c\")", "public void f(final Flag flag) { } // <- here",
                "enum Flag { ON, NULL_VAL }", "reserves for null"),
            cell("array-parameter", "@Cell(\"c\")", "public void f(final int[] values) { } // <- here", "",
                "arrays other than byte[] are not supported"),
            cell("bad-version", "@Cell(value = \"c\", version = \"one\")", "public void f() { }", "",
                "is not a semantic version"));
    }

    private static Arguments cell(
        final String name, final String annotation, final String methods, final String types,
        final String message)
    {
        final String marked = annotation.contains("<- here") ? annotation + "\npublic final class C" :
            annotation + "\npublic final class C";
        return source(name, marked + "\n{\n" + methods + "\n}\n" + types, message);
    }

    private static Arguments source(final String name, final String body, final String message)
    {
        return Arguments.of(name, "package bad;\n\nimport dev.cell.runtime.Cell;\n\n" + body, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsAnErrorAtTheOffendingElement(final String name, final String source, final String message)
    {
        final Map<String, String> sources = new LinkedHashMap<>();
        sources.put("bad/C.java", source);
        sources.put("bad/Oops.java", ERROR_CLASS);
        final Compilation.Result result = Compilation.compile("error-" + name, sources);
        assertFalse(result.success(), "expected a compile error for " + name);

        final List<String> lines = source.lines().toList();
        final boolean marked = source.contains("<- here");
        boolean found = false;
        for (final Diagnostic<? extends JavaFileObject> d : result.of(Diagnostic.Kind.ERROR))
        {
            final String text = d.getMessage(Locale.ROOT);
            if (text.contains(message))
            {
                found = true;
                assertTrue(d.getSource() != null && d.getSource().getName().endsWith("C.java"), result::report);
                if (marked)
                {
                    final long line = d.getLineNumber();
                    assertTrue(line >= 1 && lines.get((int)line - 1).contains("<- here"),
                        () -> "error reported at line " + line + " instead of the marked one:\n" + result.report());
                }
            }
        }
        assertTrue(found, () -> "no error containing '" + message + "':\n" + result.report());
    }
}
