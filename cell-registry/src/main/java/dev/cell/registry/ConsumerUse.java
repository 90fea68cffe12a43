package dev.cell.registry;

import java.util.List;

/**
 * What a consumer uses of a producer's handlers, signed by the consumer. Replaces its earlier record for the same
 * producer and host; no handlers removes it.
 *
 * @param cell      the producer's served name.
 * @param consumer  the consumer's name.
 * @param host      the consumer's host.
 * @param identity  the consumer's public identity, which signed this.
 * @param issuedMs  when it signed it (increasing).
 * @param signature Ed25519 over {@link RegistrySignatures#use}.
 * @param handlers  the handlers it calls.
 */
public record ConsumerUse(
    String cell, String consumer, String host, String identity, long issuedMs, byte[] signature,
    List<HandlerUse> handlers)
{
}
