package dev.cell.registry;

import dev.cell.runtime.client.Endpoint;
import dev.cell.runtime.identity.Identity;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The shape every registry message must have before anything else is looked at: names a key can hold (no zero byte,
 * bounded lengths), identities that parse, endpoints that parse, nonces of a useful length. An announcement is
 * checked by the leader before it is admitted, and every message is checked again on apply, so a malformed one that
 * reached the log is refused alike on every replica.
 */
final class Checks
{
    static final int MIN_NONCE = 16;
    static final int MAX_NONCE = 64;
    static final int MAX_OWNERS = 16;
    static final int MAX_HANDLERS = 1_000;
    private static final Pattern CELL = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,99}");
    private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z.+-]{1,64}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern HANDLER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]{0,127}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    static final int MAX_MANIFEST = 16 * 1024;

    private Checks()
    {
    }

    /**
     * @return what is wrong with an announcement's fields, or null.
     */
    static String announcement(final Announcement a)
    {
        String problem = name("cell", a.cell());
        problem = problem != null ? problem : instance(a.instanceId());
        problem = problem != null ? problem : matches("version", a.version(), VERSION);
        problem = problem != null ? problem : matches("fingerprint", a.fingerprint(), FINGERPRINT);
        problem = problem != null ? problem : text("host", a.host(), 1, 255);
        problem = problem != null ? problem : text("region", a.region(), 0, 64);
        problem = problem != null ? problem : text("junction", a.junction(), 0, 4096);
        problem = problem != null ? problem : endpoint(a.axon());
        problem = problem != null ? problem : identity("identity", a.identity());
        if (problem != null)
        {
            return problem;
        }
        if (a.junction().isEmpty() && a.axon().isEmpty())
        {
            return "the instance names neither a junction nor an axon endpoint: nobody could reach it";
        }
        final List<Owner> owners = a.owners();
        if (owners.size() > MAX_OWNERS)
        {
            return owners.size() + " owners: at most " + MAX_OWNERS;
        }
        for (final Owner o : owners)
        {
            final String p = identity("owner", o.key());
            if (p != null)
            {
                return p;
            }
        }
        if (a.nonce().length < MIN_NONCE || a.nonce().length > MAX_NONCE)
        {
            return "a nonce of " + a.nonce().length + " bytes: use " + MIN_NONCE + " to " + MAX_NONCE + " random bytes";
        }
        return null;
    }

    /**
     * @return what is wrong with a consumer use's fields, or null.
     */
    static String use(final ConsumerUse u)
    {
        String problem = name("cell", u.cell());
        problem = problem != null ? problem : name("consumer", u.consumer());
        problem = problem != null ? problem : text("host", u.host(), 1, 255);
        problem = problem != null ? problem : identity("identity", u.identity());
        if (problem != null)
        {
            return problem;
        }
        if (u.handlers().size() > MAX_HANDLERS)
        {
            return u.handlers().size() + " handlers: at most " + MAX_HANDLERS;
        }
        for (final HandlerUse h : u.handlers())
        {
            problem = matches("handler", h.handler(), HANDLER);
            problem = problem != null ? problem : matches("handler fingerprint", h.fingerprint(), FINGERPRINT);
            if (problem != null)
            {
                return problem;
            }
        }
        return null;
    }

    /**
     * Check a release record as a whole: size, signer, the owner's signature over the manifest, and the manifest's
     * fields (format, name, tag, version, artifact hash, and that the owner it names is its signer).
     *
     * @param r     the record.
     * @param index the log index recording it.
     * @return what would be stored.
     * @throws Refused naming the first problem.
     */
    static RegistryState.StoredRelease release(final ReleaseRecord r, final long index) throws Refused
    {
        if (r.manifest().length() > MAX_MANIFEST)
        {
            throw new Refused("a release manifest of " + r.manifest().length() + " characters: at most " +
                MAX_MANIFEST);
        }
        final String signer = identity("signer", r.signer());
        if (signer != null)
        {
            throw new Refused(signer);
        }
        if (!signed(r.signer(), RegistrySignatures.manifest(r.manifest()), r.signature()))
        {
            throw new Refused("the release manifest is not signed by " + r.signer());
        }
        final java.util.Map<String, Object> m;
        try
        {
            m = dev.cell.runtime.genome.Json.parseObject(r.manifest());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new Refused("the release manifest is not a JSON object: " + ex.getMessage());
        }
        final String cell = field(m, "name");
        final String tag = field(m, "tag");
        final String version = field(m, "version");
        final String sha256 = field(m, "artifactSha256");
        String problem = "cell-manifest/1".equals(m.get("format")) ? null :
            "the release manifest's format is not cell-manifest/1";
        problem = problem != null ? problem : name("cell", cell);
        problem = problem != null ? problem : matches("tag", tag, TAG);
        problem = problem != null ? problem : matches("version", version, VERSION);
        problem = problem != null ? problem : matches("artifactSha256", sha256, SHA256);
        problem = problem != null || r.signer().equals(m.get("owner")) ? problem :
            "the release manifest names owner '" + clip(field(m, "owner")) + "' but is signed by " + r.signer();
        if (problem != null)
        {
            throw new Refused(problem);
        }
        return new RegistryState.StoredRelease(cell, tag, r.signer(), version, sha256, index);
    }

    private static String field(final java.util.Map<String, Object> m, final String name)
    {
        return m.get(name) instanceof String s ? s : "";
    }

    static String name(final String what, final String value)
    {
        return matches(what + " name", value, CELL);
    }

    static String instance(final String value)
    {
        return matches("instance id", value, INSTANCE);
    }

    static String identity(final String what, final String value)
    {
        return Identity.isPublicId(value) ? null :
            what + " '" + clip(value) + "' is not a public identity (ed25519:...)";
    }

    /**
     * @return whether {@code signature} is {@code key}'s over {@code message} (false for anything malformed).
     */
    static boolean signed(final String key, final byte[] message, final byte[] signature)
    {
        return Identity.verify(key, message, signature);
    }

    private static String endpoint(final String axon)
    {
        if (axon.isEmpty())
        {
            return null;
        }
        if (axon.length() > 300)
        {
            return "axon endpoint of " + axon.length() + " characters";
        }
        try
        {
            Endpoint.parse(axon, null);
            return null;
        }
        catch (final IllegalArgumentException ex)
        {
            return ex.getMessage();
        }
    }

    private static String matches(final String what, final String value, final Pattern pattern)
    {
        return pattern.matcher(value).matches() ? null : what + " '" + clip(value) + "' is not valid (" +
            pattern.pattern() + ")";
    }

    private static String text(final String what, final String value, final int min, final int max)
    {
        if (value.length() < min || value.length() > max)
        {
            return what + " has " + value.length() + " characters: " + min + " to " + max;
        }
        for (int i = 0; i < value.length(); i++)
        {
            if (Character.isISOControl(value.charAt(i)))
            {
                return what + " holds a control character at " + i;
            }
        }
        return null;
    }

    private static String clip(final String value)
    {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
