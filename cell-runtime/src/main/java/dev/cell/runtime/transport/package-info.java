/**
 * Transports: they move frames between a client and an instance and know nothing of what the frames say. Cell's own
 * protocol is encoded and decoded in {@code dev.cell.runtime.session} only; no class here may use its codecs (a test
 * checks the imports). The shared-memory junction is in {@code dev.cell.runtime.transport.junction}.
 */
package dev.cell.runtime.transport;
