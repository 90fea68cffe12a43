package dev.cell.registry;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The canonical bytes each signed registry message is signed over (Ed25519,
 * {@link dev.cell.runtime.identity.Identity}).
 * <p>
 * Every encoding starts with a label naming the message kind and its version, then the fields in a fixed order:
 * a text as its UTF-8 length (uint32, big-endian) and bytes, bytes the same way, a number as int64 big-endian, a list
 * as its count (uint32) and then its items. The label keeps a signature for one kind from being valid for another;
 * the lengths keep one field's bytes from passing for another's. Fields not listed are not signed: an announcement's
 * {@code signature}, {@code admittedMs} and {@code ticket}, for instance.
 *
 * @since 0.2
 */
public final class RegistrySignatures
{
    private static final String ANNOUNCE = "cell.registry.announce.v1";
    private static final String TICKET = "cell.registry.ticket.v1";
    private static final String REVOKE = "cell.registry.revoke.v1";
    private static final String EXPIRE = "cell.registry.expire.v1";
    private static final String DIGEST = "cell.registry.digest.v1";
    private static final String USE = "cell.registry.use.v1";
    private static final byte[] MANIFEST = "cell-manifest v1\n".getBytes(StandardCharsets.US_ASCII);

    private RegistrySignatures()
    {
    }

    /**
     * @param a an announcement.
     * @return what its instance signs: cell, version, fingerprint, instance id, host, region, junction, axon,
     * identity, owners, nonce, issued time.
     */
    public static byte[] announcement(final Announcement a)
    {
        final Canonical c = new Canonical(ANNOUNCE)
            .text(a.cell()).text(a.version()).text(a.fingerprint()).text(a.instanceId()).text(a.host())
            .text(a.region()).text(a.junction()).text(a.axon()).text(a.identity());
        final List<Owner> owners = a.owners() == null ? List.of() : a.owners();
        c.count(owners.size());
        for (final Owner o : owners)
        {
            c.text(o.key());
        }
        return c.bytes(a.nonce()).number(a.issuedMs()).done();
    }

    /**
     * @param a          an announcement.
     * @param admittedMs the leader's clock when it admitted it.
     * @return what the leader signs to admit it: the announcement's canonical bytes, the instance's signature and
     * the admission time.
     */
    public static byte[] ticket(final Announcement a, final long admittedMs)
    {
        return new Canonical(TICKET).bytes(announcement(a)).bytes(a.signature()).number(admittedMs).done();
    }

    /**
     * @param r a revocation.
     * @return what the lease's identity signs: cell, instance id, grant index, issued time.
     */
    public static byte[] revocation(final Revocation r)
    {
        return new Canonical(REVOKE).text(r.cell()).text(r.instanceId()).number(r.grantIndex())
            .number(r.issuedMs()).done();
    }

    /**
     * @param e an expiry.
     * @return what the leader signs: its time, the signer, then cell, instance id and grant index of each lease.
     */
    public static byte[] expiry(final Expiry e)
    {
        final Canonical c = new Canonical(EXPIRE).number(e.leaderMs()).text(e.signer()).count(e.leases().size());
        for (final ExpiredLease l : e.leases())
        {
            c.text(l.cell()).text(l.instanceId()).number(l.grantIndex());
        }
        return c.done();
    }

    /**
     * @param d a digest.
     * @return what the leader signs: its time, the signer, then every load report's fields in order.
     */
    public static byte[] digest(final Digest d)
    {
        final Canonical c = new Canonical(DIGEST).number(d.leaderMs()).text(d.signer()).count(d.loads().size());
        for (final LoadReport l : d.loads())
        {
            c.text(l.cell()).text(l.instanceId()).number(l.grantIndex()).number(l.p50Us()).number(l.p99Us())
                .number(l.queueDepth()).number(l.callsPerSecond()).number(l.renewedAgoMs());
        }
        return c.done();
    }

    /**
     * @param u a consumer's use.
     * @return what the consumer signs: producer, consumer, host, identity, issued time, each handler and fingerprint.
     */
    public static byte[] use(final ConsumerUse u)
    {
        final Canonical c = new Canonical(USE).text(u.cell()).text(u.consumer()).text(u.host()).text(u.identity())
            .number(u.issuedMs()).count(u.handlers().size());
        for (final HandlerUse h : u.handlers())
        {
            c.text(h.handler()).text(h.fingerprint());
        }
        return c.done();
    }

    /**
     * @param manifest a release's {@code Cell.json} text.
     * @return what its owner signed: the label {@code "cell-manifest v1\n"} and the text's UTF-8 bytes, as
     * {@code cell release} signs it (cell-git's {@code SignedManifest}).
     */
    public static byte[] manifest(final String manifest)
    {
        final byte[] json = manifest.getBytes(StandardCharsets.UTF_8);
        final byte[] signed = java.util.Arrays.copyOf(MANIFEST, MANIFEST.length + json.length);
        System.arraycopy(json, 0, signed, MANIFEST.length, json.length);
        return signed;
    }

    /**
     * Length-prefixed fields after a label.
     */
    private static final class Canonical
    {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        Canonical(final String label)
        {
            text(label);
        }

        Canonical text(final String value)
        {
            return bytes((value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
        }

        Canonical bytes(final byte[] value)
        {
            final byte[] v = value == null ? new byte[0] : value;
            count(v.length);
            out.write(v, 0, v.length);
            return this;
        }

        Canonical count(final int value)
        {
            out.write(value >>> 24);
            out.write(value >>> 16);
            out.write(value >>> 8);
            out.write(value);
            return this;
        }

        Canonical number(final long value)
        {
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                out.write((int)(value >>> shift));
            }
            return this;
        }

        byte[] done()
        {
            return out.toByteArray();
        }
    }
}
