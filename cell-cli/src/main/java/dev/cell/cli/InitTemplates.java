package dev.cell.cli;

import dev.cell.runtime.JvmFlags;
import dev.cell.tissue.config.TissueConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files {@code cell init} writes: a standalone Maven project with one cell that builds, tests and runs as is.
 *
 * @since 0.1
 */
final class InitTemplates
{
    private static final String POM = """
        <?xml version="1.0" encoding="UTF-8"?>
        <project xmlns="http://maven.apache.org/POM/4.0.0"
                 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                 xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
          <modelVersion>4.0.0</modelVersion>
          <groupId>@GROUP@</groupId>
          <artifactId>@NAME@</artifactId>
          <version>0.1.0-SNAPSHOT</version>
          <name>@NAME@ cell</name>

          <properties>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
            <maven.compiler.release>25</maven.compiler.release>
            <cell.version>@CELL_VERSION@</cell.version>
            <!-- Reproducible jars: entries carry this time, not the build's, so every host that builds a tag of this
                 cell gets the same bytes and the same hash (cell spawn checks it). -->
            <project.build.outputTimestamp>@OUTPUT_TIMESTAMP@</project.build.outputTimestamp>
            <junit.version>6.1.3</junit.version>
            <!-- Every JVM that runs cells needs these (tests included); `cell mitosis` passes the same to instances. -->
            <jvm.flags>@JVM_FLAGS@</jvm.flags>
          </properties>

          <dependencies>
            <dependency>
              <groupId>dev.cell</groupId>
              <artifactId>cell-runtime</artifactId>
              <version>${cell.version}</version>
            </dependency>
            <dependency>
              <groupId>org.junit.jupiter</groupId>
              <artifactId>junit-jupiter</artifactId>
              <version>${junit.version}</version>
              <scope>test</scope>
            </dependency>
          </dependencies>

          <build>
            <pluginManagement>
              <plugins>
                <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-clean-plugin</artifactId><version>3.5.0</version></plugin>
                <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.4.2</version></plugin>
                <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-install-plugin</artifactId><version>3.1.4</version></plugin>
                <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.9.0</version></plugin>
              </plugins>
            </pluginManagement>
            <plugins>
              <plugin>
                <groupId>org.apache.maven.plugins</groupId>
                <artifactId>maven-compiler-plugin</artifactId>
                <version>3.14.1</version>
                <configuration>
                  <release>25</release>
                  <!-- JDK 23+ runs no annotation processor found on the class path: cell-compiler is listed here. -->
                  <annotationProcessorPaths>
                    <path>
                      <groupId>dev.cell</groupId>
                      <artifactId>cell-compiler</artifactId>
                      <version>${cell.version}</version>
                    </path>
                  </annotationProcessorPaths>
                </configuration>
              </plugin>
              <plugin>
                <groupId>org.apache.maven.plugins</groupId>
                <artifactId>maven-surefire-plugin</artifactId>
                <version>3.5.4</version>
                <configuration>
                  <argLine>${jvm.flags}</argLine>
                </configuration>
              </plugin>
            </plugins>
          </build>
        </project>
        """;

    private static final String CELL_TOML = """
        # The @NAME@ cell. `cell mitosis .` builds and starts it here;
        # `cell call @NAME@ greet '{"name":"Ada"}'` calls it once it runs.
        [cell]
        name = "@NAME@"
        # "eco" (default): backs off to sleeping when idle (about 0 % CPU) and wakes within microseconds.
        # "spin": busy-spins one core for the lowest latency.
        latency = "eco"
        """;

    private static final String GITIGNORE = """
        target/
        .cell/
        """;

    private static final String README = """
        # @NAME@

        A cell made with `cell init`.

        ```
        cell build                                   # mvn clean package with the JDK 25 that cell finds
        JAVA_HOME=<a JDK 25> mvn test                # the handler's unit tests (plain Java)
        cell mitosis .                               # build and start it (Ctrl-C stops it; --detach to return)
        cell call @NAME@ greet '{"name":"Ada"}'      # {"letters":3,"message":"Hello, Ada!"}
        cell call @NAME@ greet '{"name":" "}'        # {"error":"InvalidName",...}, exit code 3
        cell genome @NAME@                           # its contract: handlers, errors, SBE schema
        cell logs @NAME@ -f                          # its JSON-lines log
        cell stop @NAME@
        ```
        """;

    private static final String CELL_CLASS = """
        package @PACKAGE@;

        import dev.cell.runtime.Cell;

        /**
         * The @NAME@ cell: every public instance method is a handler other cells (and `cell call`) can call.
         */
        @Cell("@NAME@")
        public final class @CLASS@
        {
            /**
             * Greet someone.
             *
             * @param request who to greet.
             * @return the greeting.
             * @throws InvalidName when the name is blank.
             */
            public Greeting greet(final GreetRequest request) throws InvalidName
            {
                final String name = request.name() == null ? "" : request.name();
                if (name.isBlank())
                {
                    throw new InvalidName(name, "name must not be blank");
                }
                final String message = "Hello, " + name.strip() + "!";
                return new Greeting(message, name.strip().length());
            }
        }
        """;

    private static final String REQUEST = """
        package @PACKAGE@;

        /**
         * What {@link @CLASS@#greet} takes.
         *
         * @param name who to greet.
         */
        public record GreetRequest(String name)
        {
        }
        """;

    private static final String RESULT = """
        package @PACKAGE@;

        /**
         * What {@link @CLASS@#greet} returns.
         *
         * @param message the greeting.
         * @param letters how many characters the name has.
         */
        public record Greeting(String message, int letters)
        {
        }
        """;

    private static final String ERROR = """
        package @PACKAGE@;

        import dev.cell.runtime.CellError;

        /**
         * A declared error of {@link @CLASS@#greet}: written like a record (one public constructor whose parameters
         * are the wire fields, an accessor per parameter), so callers receive it typed.
         */
        public final class InvalidName extends CellError
        {
            private static final long serialVersionUID = 1L;

            private final String name;
            private final String reason;

            /**
             * @param name   the name that was refused.
             * @param reason why.
             */
            public InvalidName(final String name, final String reason)
            {
                super("invalid name '" + name + "': " + reason);
                this.name = name;
                this.reason = reason;
            }

            /**
             * @return the name that was refused.
             */
            public String name()
            {
                return name;
            }

            /**
             * @return why.
             */
            public String reason()
            {
                return reason;
            }
        }
        """;

    private static final String TEST = """
        package @PACKAGE@;

        import org.junit.jupiter.api.Test;
        import org.junit.jupiter.api.Timeout;

        import static org.junit.jupiter.api.Assertions.assertEquals;
        import static org.junit.jupiter.api.Assertions.assertThrows;

        /**
         * A cell is plain Java: its handlers are tested by calling them.
         */
        @Timeout(10)
        class @CLASS@Test
        {
            @Test
            void greets() throws InvalidName
            {
                assertEquals(new Greeting("Hello, Ada!", 3), new @CLASS@().greet(new GreetRequest("Ada")));
            }

            @Test
            void refusesABlankName()
            {
                final InvalidName error = assertThrows(InvalidName.class,
                    () -> new @CLASS@().greet(new GreetRequest(" ")));
                assertEquals(" ", error.name());
                assertEquals("name must not be blank", error.reason());
            }
        }
        """;

    private InitTemplates()
    {
    }

    /**
     * @param name        the cell's name.
     * @param javaPackage the package of its classes.
     * @param className   the {@code @Cell} class's simple name.
     * @param groupId     the Maven group id.
     * @param cellVersion the Cell version to depend on.
     * @return relative path to content, in the order to write them.
     */
    static Map<String, String> files(final String name, final String javaPackage, final String className,
        final String groupId, final String cellVersion)
    {
        final String src = "src/main/java/" + javaPackage.replace('.', '/') + "/";
        final String test = "src/test/java/" + javaPackage.replace('.', '/') + "/";
        final Map<String, String> files = new LinkedHashMap<>();
        files.put("pom.xml", POM);
        files.put(TissueConfig.FILE_NAME, CELL_TOML);
        files.put(".gitignore", GITIGNORE);
        files.put("README.md", README);
        files.put(src + className + ".java", CELL_CLASS);
        files.put(src + "GreetRequest.java", REQUEST);
        files.put(src + "Greeting.java", RESULT);
        files.put(src + "InvalidName.java", ERROR);
        files.put(test + className + "Test.java", TEST);
        files.replaceAll((path, text) -> text
            .replace("@GROUP@", groupId)
            .replace("@NAME@", name)
            .replace("@PACKAGE@", javaPackage)
            .replace("@CLASS@", className)
            .replace("@CELL_VERSION@", cellVersion)
            .replace("@OUTPUT_TIMESTAMP@", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString())
            .replace("@JVM_FLAGS@", JvmFlags.joined()));
        return files;
    }
}
