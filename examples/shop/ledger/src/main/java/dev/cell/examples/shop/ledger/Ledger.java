package dev.cell.examples.shop.ledger;

import dev.cell.runtime.Cell;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Account balances. Each instance keeps its own (this example is about tissues, not replication).
 */
@Cell("ledger")
public final class Ledger
{
    private final ConcurrentHashMap<String, Long> balances = new ConcurrentHashMap<>();

    /**
     * @param posting an amount to add to (or, negative, take from) an account.
     * @return the account's balance afterwards.
     */
    public Balance post(final Posting posting)
    {
        return new Balance(posting.account(), balances.merge(posting.account(), posting.amount(), Long::sum));
    }

    /**
     * @param account an account.
     * @return its balance (0 for an account never posted to).
     */
    public Balance balance(final Account account)
    {
        return new Balance(account.account(), balances.getOrDefault(account.account(), 0L));
    }
}
