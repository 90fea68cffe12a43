/**
 * Stateful cells: one Apache Ratis group across a cell's replicas. A command's SBE request is the log entry; applying
 * it runs the cell's generated dispatcher on every replica against its {@link dev.cell.ledger.Ledger}; queries run
 * after a read index. {@link dev.cell.raft.Replica} is the entry point; nothing of Ratis, protobuf or Chronicle
 * appears in this package's public API.
 */
package dev.cell.raft;
