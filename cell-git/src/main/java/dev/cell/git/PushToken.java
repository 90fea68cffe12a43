package dev.cell.git;

import dev.cell.runtime.identity.Identity;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;

/**
 * A short-lived push credential derived from an Ed25519 identity, used as the password of HTTP Basic auth
 * ({@code git push http://cell:<token>@host/acme/exchange}):
 * {@code cellpush1.<public id>.<expiry, epoch seconds>.<base64url signature>}, the signature over
 * {@code "cell-git push v1\n" + public id + "\n" + expiry}. A server accepts it when the identity is allowed, the
 * signature holds and the expiry is in the future but at most {@link #MAX_LIFETIME} ahead (so a token leaked from a
 * log stops working within minutes). It is a bearer credential: like any password over plain HTTP it is for loopback
 * or a trusted network until the axon's encryption carries it.
 *
 * @since 0.1
 */
public final class PushToken
{
    /**
     * The longest lifetime a server accepts.
     */
    public static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

    private static final String PREFIX = "cellpush1.";
    private static final int MAX_TOKEN_LENGTH = 512;

    private PushToken()
    {
    }

    /**
     * @param identity    the pusher.
     * @param nowEpochSec the time now.
     * @param lifetime    how long it is valid, at most {@link #MAX_LIFETIME}.
     * @return the token.
     */
    public static String create(final Identity identity, final long nowEpochSec, final Duration lifetime)
    {
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_LIFETIME) > 0)
        {
            throw new IllegalArgumentException("a push token lives from 1 s to " + MAX_LIFETIME.toMinutes() +
                " minutes, not " + lifetime);
        }
        final long expiry = nowEpochSec + lifetime.toSeconds();
        final String id = identity.publicId();
        return PREFIX + id + "." + expiry + "." +
            Base64.getUrlEncoder().withoutPadding().encodeToString(identity.sign(signed(id, expiry)));
    }

    /**
     * @param token       what the pusher sent.
     * @param allowed     the public identities allowed to push.
     * @param nowEpochSec the time now.
     * @return the pusher's public identity, or null when the token is malformed, expired, too long-lived, not
     * signed by its identity or the identity is not allowed.
     */
    public static String verify(final String token, final Set<String> allowed, final long nowEpochSec)
    {
        if (token == null || token.length() > MAX_TOKEN_LENGTH || !token.startsWith(PREFIX))
        {
            return null;
        }
        final String[] parts = token.substring(PREFIX.length()).split("\\.", -1);
        if (parts.length != 3 || !allowed.contains(parts[0]))
        {
            return null;
        }
        final long expiry;
        final byte[] signature;
        try
        {
            expiry = Long.parseLong(parts[1]);
            signature = Base64.getUrlDecoder().decode(parts[2]);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
        if (expiry <= nowEpochSec || expiry - nowEpochSec > MAX_LIFETIME.toSeconds())
        {
            return null;
        }
        return Identity.verify(parts[0], signed(parts[0], expiry), signature) ? parts[0] : null;
    }

    private static byte[] signed(final String publicId, final long expiry)
    {
        return ("cell-git push v1\n" + publicId + "\n" + expiry).getBytes(StandardCharsets.UTF_8);
    }
}
