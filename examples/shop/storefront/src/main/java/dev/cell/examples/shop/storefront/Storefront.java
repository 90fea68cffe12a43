package dev.cell.examples.shop.storefront;

import dev.cell.examples.shop.orders.NotForSale;
import dev.cell.examples.shop.orders.Order;
import dev.cell.examples.shop.orders.OrdersClient;
import dev.cell.examples.shop.orders.Receipt;
import dev.cell.runtime.Cell;
import dev.cell.runtime.CellException;
import dev.cell.runtime.CellLifecycle;

/**
 * The shop's front door: {@code ./cell call storefront buy '{"customer":"ada","sku":"apple","quantity":3}'}.
 */
@Cell("storefront")
public final class Storefront implements CellLifecycle
{
    private OrdersClient orders;

    /**
     * @param purchase what a customer buys.
     * @return the confirmation.
     * @throws NotForSale when the article cannot be sold.
     */
    public synchronized Confirmation buy(final Purchase purchase) throws NotForSale
    {
        final Order order = new Order(purchase.customer(), purchase.sku(), purchase.quantity());
        Receipt receipt;
        try
        {
            receipt = orders().place(order);
        }
        catch (final CellException ex)
        {
            closeOrders();
            receipt = orders().place(order);
        }
        return new Confirmation(receipt.orderId(), receipt.total(), receipt.balance(),
            "storefront-" + ProcessHandle.current().pid());
    }

    private OrdersClient orders()
    {
        if (orders == null)
        {
            orders = OrdersClient.connect();
        }
        return orders;
    }

    private void closeOrders()
    {
        if (orders != null)
        {
            orders.close();
            orders = null;
        }
    }

    @Override
    public synchronized void onStop()
    {
        closeOrders();
    }
}
