package dev.cell.registry;

/**
 * One recorded use of a handler.
 *
 * @param consumer      the consumer's name.
 * @param host          its host.
 * @param identity      the key that recorded it.
 * @param handler       the handler.
 * @param fingerprint   the handler fingerprint it was built against.
 * @param recordedIndex the log index of the record.
 */
public record UseEntry(
    String consumer, String host, String identity, String handler, String fingerprint, long recordedIndex)
{
}
