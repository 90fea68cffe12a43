/**
 * A test-only stateful cell whose handler throws on apply.
 */
package dev.cell.raft.fragile;
