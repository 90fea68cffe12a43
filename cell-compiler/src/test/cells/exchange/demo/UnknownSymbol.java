package demo;

/**
 * The symbol is not listed.
 */
public final class UnknownSymbol extends ExchangeError
{
    private static final long serialVersionUID = 1L;

    private final String symbol;

    public UnknownSymbol(final String symbol)
    {
        super("unknown symbol: " + symbol);
        this.symbol = symbol;
    }

    public String symbol()
    {
        return symbol;
    }
}
