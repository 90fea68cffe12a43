package dev.cell.registry;

/**
 * One handler a consumer calls.
 *
 * @param handler     the handler's name.
 * @param fingerprint the handler fingerprint the consumer was built against.
 */
public record HandlerUse(String handler, String fingerprint)
{
}
