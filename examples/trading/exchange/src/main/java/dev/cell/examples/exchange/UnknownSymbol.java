package dev.cell.examples.exchange;

/**
 * The exchange lists no such instrument.
 */
public final class UnknownSymbol extends ExchangeError
{
    private static final long serialVersionUID = 1L;

    private final String symbol;

    /**
     * @param symbol the symbol asked for.
     */
    public UnknownSymbol(final String symbol)
    {
        super("unknown symbol '" + symbol + "'");
        this.symbol = symbol;
    }

    /**
     * @return the symbol asked for.
     */
    public String symbol()
    {
        return symbol;
    }
}
