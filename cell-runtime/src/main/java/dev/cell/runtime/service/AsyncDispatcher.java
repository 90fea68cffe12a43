package dev.cell.runtime.service;

import org.agrona.DirectBuffer;

/**
 * A {@link Dispatcher} that may answer a request later, from another thread (a replicated cell answers a command once
 * its replicas agreed on it). The serving thread keeps serving other requests meanwhile; replies are sent in the
 * order they complete.
 *
 * @since 0.1
 */
public interface AsyncDispatcher extends Dispatcher
{
    /**
     * Offer a request for asynchronous handling.
     *
     * @param buffer     holds the request (the cell's SBE header and message); copy what is kept, it is reused.
     * @param offset     where the header starts.
     * @param length     header plus message.
     * @param envelope   the request's envelope (client session and sequence, trace, deadline); reused per request.
     * @param completion to complete exactly once, from any thread, when taken.
     * @return true when taken (the reply comes through {@code completion}); false to have it dispatched
     * synchronously through {@link #dispatch} now.
     */
    boolean dispatchAsync(DirectBuffer buffer, int offset, int length, Envelope envelope, Completion completion);

    /**
     * Completes one asynchronous request. Thread safe; the first call wins, later ones are ignored.
     */
    interface Completion
    {
        /**
         * The handler's reply.
         *
         * @param reply  the cell's SBE header and result (or declared error) message.
         * @param offset where it starts.
         * @param length its length.
         * @param error  true when it is one of the handler's declared errors.
         */
        void reply(DirectBuffer reply, int offset, int length, boolean error);

        /**
         * The request was not run, or its outcome is unknown.
         *
         * @param unavailable true when the caller may retry elsewhere (no quorum, stopping); false when the handler
         *                    failed.
         * @param detail      what went wrong, for the caller.
         */
        void fail(boolean unavailable, String detail);

        /**
         * The request was refused and will never be run: retrying it is pointless (a retry older than the
         * replicas' session window, a command that does not decode). The caller gets {@code Rejected}.
         *
         * @param detail what was refused and why.
         */
        void refuse(String detail);
    }
}
