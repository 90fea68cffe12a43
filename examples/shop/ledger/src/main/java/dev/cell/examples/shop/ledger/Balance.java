package dev.cell.examples.shop.ledger;

/**
 * @param account the account.
 * @param balance its balance in cents.
 */
public record Balance(String account, long balance)
{
}
