package demo;

/**
 * Why an order was rejected.
 */
enum RejectReason
{
    QUANTITY, PRICE, HALTED
}
