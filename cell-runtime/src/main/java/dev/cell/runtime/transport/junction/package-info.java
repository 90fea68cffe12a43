/**
 * The shared-memory transport: an instance's accept ring and run folder ({@link
 * dev.cell.runtime.transport.junction.JunctionAcceptor}), one junction per client on either side ({@link
 * dev.cell.runtime.transport.junction.ServerJunction}, {@link dev.cell.runtime.transport.junction.ClientJunction}),
 * the client heartbeat thread and the doorbell idle strategy. See docs/architecture.md, "Junctions".
 */
package dev.cell.runtime.transport.junction;
