package dev.cell.examples.shop.ledger;

/**
 * @param account the account.
 */
public record Account(String account)
{
}
