package demo;

/**
 * A key with opaque bytes.
 */
record Tag(String key, byte[] value)
{
}
