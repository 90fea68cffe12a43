package dev.cell.examples.shop.orders;

/**
 * @param orderId the order's id.
 * @param total   what it cost, in cents.
 * @param balance the account's balance afterwards.
 */
public record Receipt(long orderId, long total, long balance)
{
}
