package dev.cell.systemtest;

import dev.cell.examples.shop.orders.NotForSale;
import dev.cell.examples.shop.storefront.Confirmation;
import dev.cell.examples.shop.storefront.Purchase;
import dev.cell.examples.shop.storefront.StorefrontClient;
import dev.cell.test.RunningTissue;
import dev.cell.test.Tissue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JUnit extension as a user would write it: {@code @Tissue} builds and boots {@code examples/shop} for this class,
 * the test calls it through the generated typed client, and the extension stops it afterwards.
 */
@Timeout(600)
@Tissue(value = "../examples/shop", offline = true)
class TissueExtensionSystemTest
{
    @Test
    void bootsTheShopAndCallsItThroughItsTypedClient(final RunningTissue shop) throws Exception
    {
        assertEquals("shop", shop.name());
        assertEquals(8, shop.instances().size(), shop.instances().toString());
        assertEquals(2, shop.instances("ledger").size());
        assertTrue(shop.cellHome().toString().equals(System.getProperty("cell.home")), "clients use the tissue's home");

        try (StorefrontClient front = StorefrontClient.connect())
        {
            final Confirmation first = front.buy(new Purchase("grace", "melon", 1));
            assertEquals(300, first.total());
            final Confirmation second = front.buy(new Purchase("grace", "pear", 2));
            assertEquals(140, second.total());
            final NotForSale refused = assertThrows(NotForSale.class, () -> front.buy(new Purchase("grace", "kiwi", 1)));
            assertEquals("kiwi", refused.sku());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void exposesTheSupervisorsView(final RunningTissue shop)
    {
        final Map<String, Object> status = shop.status();
        final List<Object> cells = (List<Object>)status.get("cells");
        assertEquals(List.of("catalog", "ledger", "orders", "storefront"),
            cells.stream().map(c -> ((Map<String, Object>)c).get("cell")).toList(), "children first");
        for (final Object c : cells)
        {
            assertEquals("ready", ((Map<String, Object>)c).get("state"), c.toString());
        }
    }
}
