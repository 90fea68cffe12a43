package dev.cell.examples.shop.storefront;

/**
 * @param orderId  the order's id.
 * @param total    what it cost, in cents.
 * @param balance  the customer's balance afterwards.
 * @param servedBy which storefront instance answered.
 */
public record Confirmation(long orderId, long total, long balance, String servedBy)
{
}
