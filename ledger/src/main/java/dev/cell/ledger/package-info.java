/**
 * One replica's durable state: a {@link dev.cell.ledger.Journal} of applied commands (Chronicle Queue), the
 * materialised {@link dev.cell.ledger.State} (RocksDB), and snapshots (a RocksDB checkpoint plus the journal position)
 * that a replica is restored from. {@link dev.cell.ledger.Ledger} ties them together; no Chronicle or RocksDB type
 * appears in this package's API.
 */
package dev.cell.ledger;
