package dev.cell.enzyme;

/**
 * A point in a stream's work, recorded with {@link Stream#record(Event)}: wait for it, or time the work between two.
 *
 * @since 0.1
 */
public interface Event extends AutoCloseable
{
    /**
     * Waits until the work before the point is done.
     *
     * @throws CudaError when the driver reports a failure of that work.
     */
    void sync() throws CudaError;

    /**
     * @param start an earlier event of the same stream, done.
     * @return milliseconds from {@code start} to this one.
     * @throws CudaError when either was not recorded or is not done.
     */
    float millisSince(Event start) throws CudaError;

    /**
     * Frees it.
     */
    @Override
    void close();
}
