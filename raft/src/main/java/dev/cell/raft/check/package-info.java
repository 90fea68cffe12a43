/**
 * A linearizability checker (Wing and Gong's search with Lowe's memoisation, as popularised by Porcupine) over
 * histories recorded from concurrent clients, partitioned per key.
 */
package dev.cell.raft.check;
