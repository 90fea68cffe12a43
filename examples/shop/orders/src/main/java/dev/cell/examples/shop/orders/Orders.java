package dev.cell.examples.shop.orders;

import dev.cell.examples.shop.catalog.CatalogClient;
import dev.cell.examples.shop.catalog.Price;
import dev.cell.examples.shop.catalog.Sku;
import dev.cell.examples.shop.catalog.UnknownSku;
import dev.cell.examples.shop.ledger.Balance;
import dev.cell.examples.shop.ledger.LedgerClient;
import dev.cell.examples.shop.ledger.Posting;
import dev.cell.runtime.Cell;
import dev.cell.runtime.CellException;
import dev.cell.runtime.CellLifecycle;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes orders: prices them through the catalog and charges the customer's account in the ledger. A dependency
 * that was restarted is reconnected once per call.
 */
@Cell("orders")
public final class Orders implements CellLifecycle
{
    private final AtomicLong nextId = new AtomicLong(ProcessHandle.current().pid() * 1_000_000L);
    private CatalogClient catalog;
    private LedgerClient ledger;

    /**
     * @param order what to buy.
     * @return the receipt.
     * @throws NotForSale when the catalog does not list the article.
     */
    public synchronized Receipt place(final Order order) throws NotForSale
    {
        if (order.quantity() <= 0)
        {
            throw new NotForSale(order.sku(), "quantity must be positive, was " + order.quantity());
        }
        final Price price;
        try
        {
            price = priceOf(order.sku());
        }
        catch (final UnknownSku ex)
        {
            throw new NotForSale(order.sku(), ex.getMessage());
        }
        final long total = price.cents() * order.quantity();
        final Balance balance = charge(order.account(), -total);
        return new Receipt(nextId.incrementAndGet(), total, balance.balance());
    }

    private Price priceOf(final String sku) throws UnknownSku
    {
        try
        {
            return catalog().price(new Sku(sku));
        }
        catch (final CellException ex)
        {
            closeCatalog();
            return catalog().price(new Sku(sku));
        }
    }

    private Balance charge(final String account, final long amount)
    {
        try
        {
            return ledger().post(new Posting(account, amount));
        }
        catch (final CellException ex)
        {
            closeLedger();
            return ledger().post(new Posting(account, amount));
        }
    }

    private CatalogClient catalog()
    {
        if (catalog == null)
        {
            catalog = CatalogClient.connect();
        }
        return catalog;
    }

    private LedgerClient ledger()
    {
        if (ledger == null)
        {
            ledger = LedgerClient.connect();
        }
        return ledger;
    }

    private void closeCatalog()
    {
        if (catalog != null)
        {
            catalog.close();
            catalog = null;
        }
    }

    private void closeLedger()
    {
        if (ledger != null)
        {
            ledger.close();
            ledger = null;
        }
    }

    @Override
    public synchronized void onStop()
    {
        closeCatalog();
        closeLedger();
    }
}
