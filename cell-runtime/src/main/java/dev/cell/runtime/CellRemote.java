package dev.cell.runtime;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares, in a consumer, a cell it calls. At compile time {@code cell-compiler} resolves that cell's genome (a
 * running instance on this host, else the source named in the consumer's {@code cell.toml} {@code [deps]}, else
 * {@code Cell.lock}) and generates, in the sub-package named after the cell ({@code .exchange}; {@code .exchange.v2}
 * for {@code "exchange@2"}), its message records, enums, error types and typed client:
 * <pre>{@code
 * @CellRemote("exchange")
 * interface ExchangeApi
 * {
 *     // optional expectations: the handlers this consumer relies on, checked against the genome
 *     PlaceOrderResponse placeOrder(PlaceOrderRequest order) throws UnknownSymbol;
 * }
 * ...
 * try (ExchangeClient exchange = ExchangeClient.connect()) { ... }    // p.exchange.ExchangeClient
 * }</pre>
 * Each method declared in the interface is an expectation: a handler of that name must exist and every field its
 * parameter and result types put on the wire must exist in the producer's messages with the same type (a javac error
 * at the method names the cell, the handler and the field, and shows the producer's shape). When the interface
 * declares methods, the client tells the instance it uses only those handlers, so a change to another handler does
 * not break it; an empty interface uses them all.
 *
 * @since 0.2
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface CellRemote
{
    /**
     * The cell: its name for major versions 0 and 1 ({@code "exchange"}), {@code name@major} from 2 on
     * ({@code "exchange@2"}).
     *
     * @return the cell.
     */
    String value();
}
