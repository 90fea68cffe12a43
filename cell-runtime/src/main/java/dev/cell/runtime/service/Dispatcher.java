package dev.cell.runtime.service;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Generated per cell by {@code cell-compiler}: decodes a request message, calls the handler, encodes its reply.
 * No reflection; one instance per serving thread (it may hold preallocated codecs).
 *
 * @since 0.1
 */
public interface Dispatcher
{
    /**
     * Dispatch one request.
     *
     * @param buffer    holds the request: the cell's SBE message header followed by the request message.
     * @param offset    where the header starts.
     * @param length    length of header plus message.
     * @param out       where to encode the reply (an expandable buffer: encoding never overflows).
     * @param outOffset where the reply's SBE message header must start.
     * @return the encoded reply length (header plus message): positive when the reply is the handler's result,
     * negated when it is one of the handler's declared errors.
     * @throws UnknownHandlerException when the template id names no handler of this cell.
     * @throws IllegalArgumentException (or any decode exception) when the request cannot be decoded.
     * @throws RuntimeException whatever the handler threw that it did not declare.
     */
    int dispatch(DirectBuffer buffer, int offset, int length, MutableDirectBuffer out, int outOffset);
}
