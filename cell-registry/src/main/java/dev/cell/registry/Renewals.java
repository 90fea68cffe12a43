package dev.cell.registry;

import java.util.List;

/**
 * Renewals of several leases in one call: what a host's agent sends for the instances it runs (etcd's proxy coalesces
 * keep-alives the same way). Each renewal is checked as {@code renew} checks one.
 *
 * @param leases the renewals, at most 500.
 */
public record Renewals(List<Renewal> leases)
{
}
