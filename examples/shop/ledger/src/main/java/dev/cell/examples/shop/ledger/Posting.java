package dev.cell.examples.shop.ledger;

/**
 * @param account the account.
 * @param amount  cents to add; negative to take.
 */
public record Posting(String account, long amount)
{
}
