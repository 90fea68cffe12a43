package dev.cell.runtime.identity;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A short-lived grant with which an identity that may call a cell ({@code [auth] allowed_keys}) lets one other
 * identity call it too, without changing the cell's configuration: {@code cellaccess1.<granter>.<caller>.<cell>.
 * <expiry epoch s>.<base64url Ed25519 signature by the granter>} over a fixed label, the caller, the cell and the
 * expiry. The caller presents it in its handshake; the cell admits the caller when the token is for that caller and
 * that cell, signed by one of its allowed keys, not expired and at most {@link #MAX_TTL} from expiry (so a token
 * cannot be made to last). Bearer-free: a token names the caller's key, so only the holder of that key can use it.
 *
 * @since 0.3
 */
public final class AccessToken
{
    /**
     * The longest a token may be valid.
     */
    public static final Duration MAX_TTL = Duration.ofMinutes(10);

    /**
     * Longest token accepted, characters.
     */
    public static final int MAX_LENGTH = 400;

    private static final String PREFIX = "cellaccess1";
    private static final long SKEW_S = 60;
    private static final Pattern CELL = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,99}");
    private static final byte[] LABEL = "cell access token v1\n".getBytes(StandardCharsets.US_ASCII);

    private AccessToken()
    {
    }

    /**
     * @param granter an identity the cell allows.
     * @param caller  the identity to let in ({@code ed25519:...}).
     * @param cell    the cell's name.
     * @param ttl     how long it is valid, at most {@link #MAX_TTL}.
     * @param nowS    the time now, epoch seconds.
     * @return the token.
     * @throws IllegalArgumentException when the caller, the cell or the ttl is not valid.
     */
    public static String grant(final Identity granter, final String caller, final String cell, final Duration ttl,
        final long nowS)
    {
        if (!Identity.isPublicId(caller))
        {
            throw new IllegalArgumentException("'" + caller + "' is not a public identity (ed25519:...)");
        }
        if (!CELL.matcher(cell).matches())
        {
            throw new IllegalArgumentException("'" + cell + "' is not a cell name");
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0)
        {
            throw new IllegalArgumentException("an access token lasts from 1 s to " + MAX_TTL.toMinutes() +
                " minutes, not " + ttl);
        }
        final long expiry = nowS + ttl.toSeconds();
        return PREFIX + "." + granter.publicId() + "." + caller + "." + cell + "." + expiry + "." +
            Base64.getUrlEncoder().withoutPadding().encodeToString(granter.sign(signed(caller, cell, expiry)));
    }

    /**
     * @param token   a token as presented.
     * @param caller  the identity the handshake proved.
     * @param cell    the cell being called.
     * @param allowed the cell's allowed keys.
     * @param nowS    the time now, epoch seconds.
     * @return null when the token admits the caller, else why not.
     */
    public static String problem(final String token, final String caller, final String cell,
        final Set<String> allowed, final long nowS)
    {
        if (token.length() > MAX_LENGTH)
        {
            return "an access token of " + token.length() + " characters (at most " + MAX_LENGTH + ")";
        }
        final String[] f = token.split("\\.", -1);
        if (f.length != 6 || !PREFIX.equals(f[0]) || !Identity.isPublicId(f[1]) || !Identity.isPublicId(f[2]) ||
            !f[4].matches("[0-9]{1,12}"))
        {
            return "not an access token (cellaccess1.<granter>.<caller>.<cell>.<expiry>.<signature>)";
        }
        if (!f[2].equals(caller))
        {
            return "the access token is for " + f[2] + ", not for " + caller;
        }
        if (!f[3].equals(cell))
        {
            return "the access token is for cell '" + f[3] + "', not '" + cell + "'";
        }
        if (!allowed.contains(f[1]))
        {
            return "the access token is granted by " + f[1] + ", which is not one of this cell's allowed keys";
        }
        final long expiry = Long.parseLong(f[4]);
        if (expiry <= nowS)
        {
            return "the access token expired " + (nowS - expiry) + " s ago";
        }
        if (expiry > nowS + MAX_TTL.toSeconds() + SKEW_S)
        {
            return "the access token expires more than " + MAX_TTL.toMinutes() + " minutes from now";
        }
        try
        {
            if (!Identity.verify(f[1], signed(f[2], f[3], expiry), Base64.getUrlDecoder().decode(f[5])))
            {
                return "the access token's signature does not hold for its granter " + f[1];
            }
        }
        catch (final IllegalArgumentException ex)
        {
            return "the access token's signature is not base64url";
        }
        return null;
    }

    private static byte[] signed(final String caller, final String cell, final long expiry)
    {
        final byte[] text = (caller + "\n" + cell + "\n" + expiry).getBytes(StandardCharsets.US_ASCII);
        final byte[] m = java.util.Arrays.copyOf(LABEL, LABEL.length + text.length);
        System.arraycopy(text, 0, m, LABEL.length, text.length);
        return m;
    }
}
