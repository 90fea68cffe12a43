package dev.cell.runtime.service;

/**
 * Thrown by a {@link Dispatcher} for a template id that names no handler.
 *
 * @since 0.1
 */
public final class UnknownHandlerException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param cell       the cell.
     * @param templateId the template id received.
     * @param schemaId   the schema id received.
     */
    public UnknownHandlerException(final String cell, final int templateId, final int schemaId)
    {
        super("cell '" + cell + "' has no handler for template id " + templateId + " (schema id " + schemaId + ")",
            null, false, false);
    }
}
