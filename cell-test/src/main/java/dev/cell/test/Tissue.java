package dev.cell.test;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Boot a tissue for a test class, the way {@code cell mitosis} does, and stop it after the class's last test:
 * <pre>{@code
 * @Tissue("../examples/shop")
 * class ShopTest
 * {
 *     @Test
 *     void buys(final RunningTissue shop)
 *     {
 *         try (StorefrontClient front = StorefrontClient.connect())
 *         {
 *             assertEquals(100, front.buy(new Purchase("ada", "apple", 2)).total());
 *         }
 *     }
 * }
 * }</pre>
 * The tissue runs under its own cell home (a fresh folder unless {@link #cellHome()} names one), which the
 * extension sets as the {@code cell.home} system property while the class runs, so generated clients in the test
 * find its instances and nothing else on the machine. A test method or constructor may take a
 * {@link RunningTissue} parameter.
 *
 * @since 0.1
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(TissueExtension.class)
public @interface Tissue
{
    /**
     * @return the tissue's folder, relative to the working directory (a Maven module's folder under Maven).
     */
    String value();

    /**
     * @return false to start cells that are already built, without running Maven.
     */
    boolean build() default true;

    /**
     * @return true to run Maven offline.
     */
    boolean offline() default false;

    /**
     * @return how long each instance may take to become ready, e.g. "60s".
     */
    String readyTimeout() default "60s";

    /**
     * @return a cell home to use instead of a fresh folder.
     */
    String cellHome() default "";
}
