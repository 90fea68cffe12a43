package dev.cell.examples.exchange;

import dev.cell.runtime.CellError;

/**
 * The exchange's own errors; sealed, so a caller can switch over them exhaustively.
 */
public abstract sealed class ExchangeError extends CellError permits UnknownSymbol, OrderRejected, UnknownOrder
{
    private static final long serialVersionUID = 1L;

    ExchangeError(final String message)
    {
        super(message);
    }
}
