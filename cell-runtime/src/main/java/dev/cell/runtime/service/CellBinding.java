package dev.cell.runtime.service;

import dev.cell.runtime.genome.Genome;

/**
 * Generated per {@code @Cell} class and registered in {@code META-INF/services/dev.cell.runtime.service.CellBinding}:
 * how the runtime finds, creates and serves a cell without reflection on its methods.
 *
 * @param <T> the {@code @Cell} class.
 * @since 0.1
 */
public interface CellBinding<T>
{
    /**
     * @return the cell's name ({@code @Cell} value).
     */
    String cellName();

    /**
     * @return the cell's genome, as embedded in its jar.
     */
    Genome genome();

    /**
     * @return a new instance of the {@code @Cell} class.
     */
    T newCell();

    /**
     * @param cell the instance to dispatch to.
     * @return a new dispatcher over that instance.
     */
    Dispatcher dispatcher(T cell);
}
