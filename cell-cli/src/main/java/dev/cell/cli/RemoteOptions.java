package dev.cell.cli;

import dev.cell.runtime.client.Endpoint;
import dev.cell.tissue.UserError;
import picocli.CommandLine.Option;

/**
 * {@code --endpoint host:port} and {@code --key ed25519:...}, shared by the commands that connect to a cell
 * ({@code cell call}, {@code cell bench}, {@code cell genome}): with them the command reaches one instance over its
 * axon (Aeron UDP, Noise handshake) instead of the instances on this host, and proves this host's identity
 * ({@code cell id}) to it.
 *
 * @since 0.2
 */
final class RemoteOptions
{
    @Option(names = "--endpoint", paramLabel = "<host:port>",
        description = "Reach the instance whose axon listens at this UDP endpoint (e.g. 10.1.0.2:7400, " +
            "[::1]:7400; `cell ps` on its host shows it) instead of this host's instances.")
    private String endpoint;

    @Option(names = "--key", paramLabel = "<ed25519:...>",
        description = "With --endpoint: the identity the instance must prove in the handshake (`cell id <its " +
            "cell folder>` on its host prints it); without --key any identity is accepted.")
    private String key;

    @Option(names = "--token", paramLabel = "<cellaccess1...>",
        description = "An access token (`cell token` by an identity the cell allows) that lets this host's identity " +
            "in although it is not in the cell's [auth] allowed_keys; valid for 10 minutes at most.")
    private String token;

    /**
     * @param cell the cell the command calls.
     * @return the endpoint given, or null when the command is to use this host's instances; a {@code --token} is
     * presented to the cell's instances from now on.
     */
    Endpoint endpointFor(final String cell)
    {
        if (token != null)
        {
            System.setProperty(dev.cell.runtime.client.ClientContext.TOKEN_PROPERTY_PREFIX + cell, token.strip());
        }
        return endpoint();
    }

    /**
     * @return the endpoint given, or null when the command is to use this host's instances.
     * @throws UserError when the endpoint or key is malformed, or a key is given without an endpoint.
     */
    Endpoint endpoint()
    {
        return parse(endpoint, key);
    }

    /**
     * @param endpoint {@code --endpoint} as typed, or null.
     * @param key      {@code --key} as typed, or null.
     * @return the endpoint, or null when none was given.
     * @throws UserError naming the option at fault and what it should look like.
     */
    static Endpoint parse(final String endpoint, final String key)
    {
        if (null == endpoint)
        {
            if (null != key)
            {
                throw new UserError("--key is the identity expected at an --endpoint; give --endpoint <host:port> " +
                    "with it");
            }
            return null;
        }
        if (null != key && key.isBlank())
        {
            throw new UserError("--key is empty; give the instance's identity (ed25519:...), or leave --key out to " +
                "accept any");
        }
        try
        {
            return Endpoint.parse(endpoint, key);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError((ex.getMessage().startsWith("endpoint key") ? "--key: " : "--endpoint: ") +
                ex.getMessage() + "; expected --endpoint <host:port> (IPv6 as [::1]:7400) and --key ed25519:<43 " +
                "base64url characters> as `cell id` prints it", ex);
        }
    }
}
