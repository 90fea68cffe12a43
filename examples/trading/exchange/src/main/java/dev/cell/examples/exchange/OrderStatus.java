package dev.cell.examples.exchange;

/**
 * State of an order after it was processed.
 */
public enum OrderStatus
{
    RESTING, PARTIALLY_FILLED, FILLED, CANCELLED
}
