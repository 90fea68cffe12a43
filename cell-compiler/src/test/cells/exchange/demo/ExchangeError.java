package demo;

import dev.cell.runtime.CellError;

/**
 * Sealed base of the exchange's errors.
 */
public abstract sealed class ExchangeError extends CellError permits UnknownSymbol, OrderRejected
{
    private static final long serialVersionUID = 1L;

    protected ExchangeError(final String message)
    {
        super(message);
    }
}
