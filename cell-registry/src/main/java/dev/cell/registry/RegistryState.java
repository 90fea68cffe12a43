package dev.cell.registry;

import dev.cell.ledger.State;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The registry's keys and values in its replica's {@link State} (ordered bytes; components of a key are separated by
 * a zero byte, which no name may contain):
 * <pre>
 * i/cell 0 version 0 fingerprint 0 instance  a live lease (the tree cell → version → genome → instances)
 * x/cell 0 instance                          → version 0 fingerprint: finds an instance's lease by its id
 * g/cell 0 instance                          the newest announcement applied for it (issued, admitted): replay guard
 * o/cell                                     the name's owners and the index of its first registration
 * u/cell 0 consumer 0 host                   a consumer's recorded use of the cell's handlers
 * m/stamp                                    the newest leader clock applied (epoch ms)
 * </pre>
 */
final class RegistryState
{
    private static final byte[] LEASES = ascii("i/");
    private static final byte[] LEASES_END = ascii("i0");
    private static final byte[] BY_ID = ascii("x/");
    private static final byte[] GUARDS = ascii("g/");
    private static final byte[] GUARDS_END = ascii("g0");
    private static final byte[] OWNERS = ascii("o/");
    private static final byte[] USES = ascii("u/");
    private static final byte[] RELEASES = ascii("r/");
    private static final byte[] STAMP = ascii("m/stamp");

    /**
     * A live lease as stored.
     *
     * @param cell           the cell's name.
     * @param version        its version.
     * @param fingerprint    its genome fingerprint.
     * @param instanceId     the instance.
     * @param host           its host.
     * @param region         its region label.
     * @param junction       its run folder on its host.
     * @param axon           its axon endpoint.
     * @param identity       its key.
     * @param nonce          its announcement's nonce (never answered to readers).
     * @param issuedMs       when the instance signed the announcement.
     * @param grantIndex     the grant's log index.
     * @param grantedMs      the ticket's time (leader clock).
     * @param p50Us          reported median, microseconds.
     * @param p99Us          reported 99th percentile.
     * @param queueDepth     reported queue depth.
     * @param callsPerSecond reported calls per second.
     * @param lastRenewalMs  last renewal a digest reported (leader clock), 0 for none.
     */
    record StoredLease(
        String cell, String version, String fingerprint, String instanceId, String host, String region,
        String junction, String axon, String identity, byte[] nonce, long issuedMs, long grantIndex, long grantedMs,
        int p50Us, int p99Us, int queueDepth, int callsPerSecond, long lastRenewalMs)
    {
        StoredLease withLoad(final LoadReport load, final long renewalMs)
        {
            return new StoredLease(cell, version, fingerprint, instanceId, host, region, junction, axon, identity,
                nonce, issuedMs, grantIndex, grantedMs, load.p50Us(), load.p99Us(), load.queueDepth(),
                load.callsPerSecond(), renewalMs);
        }

        InstanceInfo info()
        {
            return new InstanceInfo(cell, version, fingerprint, instanceId, host, region, junction, axon, identity,
                grantIndex, grantedMs, p50Us, p99Us, queueDepth, callsPerSecond, lastRenewalMs);
        }
    }

    /**
     * A consumer's recorded use.
     *
     * @param consumer      its name.
     * @param host          its host.
     * @param identity      the key that recorded it.
     * @param issuedMs      when it signed the record.
     * @param recordedIndex the log index of the record.
     * @param handlers      the handlers and their fingerprints.
     */
    record StoredUse(
        String consumer, String host, String identity, long issuedMs, long recordedIndex, List<HandlerUse> handlers)
    {
    }

    /**
     * A release the registry agreed: one per cell, tag and signer, never changed once recorded.
     *
     * @param cell          the cell's name.
     * @param tag           the released tag.
     * @param signer        the owner key that signed it.
     * @param version       its genome's version.
     * @param sha256        its artifact's SHA-256.
     * @param recordedIndex the log index that recorded it.
     */
    record StoredRelease(String cell, String tag, String signer, String version, String sha256, long recordedIndex)
    {
    }

    private final State state;

    RegistryState(final State state)
    {
        this.state = state;
    }

    long index()
    {
        return state.index();
    }

    StoredLease lease(final String cell, final String instanceId)
    {
        final byte[] where = state.get(key(BY_ID, cell, instanceId));
        if (where == null)
        {
            return null;
        }
        final String[] parts = new String(where, StandardCharsets.UTF_8).split("\0", -1);
        final byte[] value = state.get(key(LEASES, cell, parts[0], parts[1], instanceId));
        return value == null ? null : decodeLease(cell, parts[0], parts[1], instanceId, value);
    }

    void putLease(final StoredLease l)
    {
        final Writer w = new Writer().text(l.host()).text(l.region()).text(l.junction()).text(l.axon())
            .text(l.identity()).bytes(l.nonce()).number(l.issuedMs()).number(l.grantIndex()).number(l.grantedMs())
            .number(l.p50Us()).number(l.p99Us()).number(l.queueDepth()).number(l.callsPerSecond())
            .number(l.lastRenewalMs());
        state.put(key(LEASES, l.cell(), l.version(), l.fingerprint(), l.instanceId()), w.done());
        state.put(key(BY_ID, l.cell(), l.instanceId()),
            (l.version() + "\0" + l.fingerprint()).getBytes(StandardCharsets.UTF_8));
    }

    void deleteLease(final StoredLease l)
    {
        state.delete(key(LEASES, l.cell(), l.version(), l.fingerprint(), l.instanceId()));
        state.delete(key(BY_ID, l.cell(), l.instanceId()));
    }

    /**
     * @param cell        a cell's name.
     * @param version     one version, or empty for all.
     * @param fingerprint one genome (with a version), or empty.
     * @param after       a page's end ({@link #cursor}), or empty to start at the beginning.
     * @param limit       most to list.
     * @param maxBytes    stop once the listed leases' texts exceed about this many bytes.
     * @return its live leases after the cursor, ordered by version, fingerprint and instance id.
     */
    List<StoredLease> leases(final String cell, final String version, final String fingerprint, final String after,
        final int limit, final int maxBytes)
    {
        final byte[] prefix = version.isEmpty() ? prefix(LEASES, cell) :
            fingerprint.isEmpty() ? prefix(LEASES, cell, version) : prefix(LEASES, cell, version, fingerprint);
        byte[] from = prefix;
        if (!after.isEmpty())
        {
            final String[] parts = after.split(" ", -1);
            if (parts.length == 3)
            {
                final byte[] k = key(LEASES, cell, parts[0], parts[1], parts[2]);
                final byte[] past = Arrays.copyOf(k, k.length + 1);
                if (Arrays.compareUnsigned(past, prefix) > 0)
                {
                    from = past;
                }
            }
        }
        final List<StoredLease> found = new ArrayList<>();
        final int[] bytes = {0};
        state.scan(from, end(prefix), limit, (k, v) ->
        {
            found.add(decodeLease(k, v));
            bytes[0] += k.length + v.length + 64;
            return bytes[0] < maxBytes;
        });
        return found;
    }

    /**
     * @return the cursor that continues a listing after this lease.
     */
    static String cursor(final StoredLease l)
    {
        return l.version() + " " + l.fingerprint() + " " + l.instanceId();
    }

    void forEachLease(final Consumer<StoredLease> visitor)
    {
        state.scan(LEASES, LEASES_END, Integer.MAX_VALUE, (k, v) ->
        {
            visitor.accept(decodeLease(k, v));
            return true;
        });
    }

    /**
     * @param cell a name.
     * @return {registered index, then the owner keys}, or null when nobody owns it.
     */
    Owners owners(final String cell)
    {
        final byte[] v = state.get(key(OWNERS, cell));
        if (v == null)
        {
            return null;
        }
        final ByteBuffer r = ByteBuffer.wrap(v);
        final long index = r.getLong();
        final int count = r.getInt();
        final List<Owner> owners = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            owners.add(new Owner(readText(r)));
        }
        return new Owners(index, owners);
    }

    void putOwners(final String cell, final List<String> keys)
    {
        final Writer w = new Writer().number(state.index()).count(keys.size());
        for (final String k : keys)
        {
            w.text(k);
        }
        state.put(key(OWNERS, cell), w.done());
    }

    /**
     * @return {issued, admitted} of the newest announcement applied for the instance, or null.
     */
    long[] guard(final String cell, final String instanceId)
    {
        final byte[] v = state.get(key(GUARDS, cell, instanceId));
        if (v == null)
        {
            return null;
        }
        final ByteBuffer r = ByteBuffer.wrap(v);
        return new long[]{r.getLong(), r.getLong()};
    }

    void putGuard(final String cell, final String instanceId, final long issuedMs, final long admittedMs)
    {
        state.put(key(GUARDS, cell, instanceId), new Writer().number(issuedMs).number(admittedMs).done());
    }

    /**
     * Delete replay guards admitted before a time (announcements that old are refused anyway).
     *
     * @return how many were deleted.
     */
    int pruneGuards(final long admittedBeforeMs, final int limit)
    {
        final List<byte[]> old = new ArrayList<>();
        state.scan(GUARDS, GUARDS_END, Integer.MAX_VALUE, (k, v) ->
        {
            if (ByteBuffer.wrap(v).getLong(8) < admittedBeforeMs)
            {
                old.add(k);
            }
            return old.size() < limit;
        });
        for (final byte[] k : old)
        {
            state.delete(k);
        }
        return old.size();
    }

    StoredUse use(final String cell, final String consumer, final String host)
    {
        final byte[] v = state.get(key(USES, cell, consumer, host));
        return v == null ? null : decodeUse(consumer, host, v);
    }

    void putUse(final String cell, final StoredUse u)
    {
        final Writer w = new Writer().text(u.identity()).number(u.issuedMs()).number(u.recordedIndex())
            .count(u.handlers().size());
        for (final HandlerUse h : u.handlers())
        {
            w.text(h.handler()).text(h.fingerprint());
        }
        state.put(key(USES, cell, u.consumer(), u.host()), w.done());
    }

    /**
     * Visit every use of every cell that has handlers.
     *
     * @param visitor gets the producer's name and the use.
     */
    void forEachUse(final java.util.function.BiConsumer<String, StoredUse> visitor)
    {
        state.scan(USES, end(USES), Integer.MAX_VALUE, (k, v) ->
        {
            final String[] parts = parts(k, USES.length);
            final StoredUse u = decodeUse(parts[1], parts[2], v);
            if (!u.handlers().isEmpty())
            {
                visitor.accept(parts[0], u);
            }
            return true;
        });
    }

    /**
     * @return up to {@code limit} uses of {@code cell} with handlers (records a consumer emptied are skipped).
     */
    List<StoredUse> uses(final String cell, final int limit)
    {
        final byte[] from = prefix(USES, cell);
        final List<StoredUse> found = new ArrayList<>();
        state.scan(from, end(from), Integer.MAX_VALUE, (k, v) ->
        {
            final String[] parts = parts(k, USES.length);
            final StoredUse u = decodeUse(parts[1], parts[2], v);
            if (!u.handlers().isEmpty())
            {
                found.add(u);
            }
            return found.size() < limit;
        });
        return found;
    }

    StoredRelease release(final String cell, final String tag, final String signer)
    {
        final byte[] v = state.get(key(RELEASES, cell, tag, signer));
        return v == null ? null : decodeRelease(cell, tag, signer, v);
    }

    void putRelease(final StoredRelease r)
    {
        state.put(key(RELEASES, r.cell(), r.tag(), r.signer()),
            new Writer().text(r.version()).text(r.sha256()).number(r.recordedIndex()).done());
    }

    /**
     * Visit every agreed release, by cell, tag and signer.
     *
     * @param visitor gets each.
     */
    void forEachRelease(final Consumer<StoredRelease> visitor)
    {
        state.scan(RELEASES, end(RELEASES), Integer.MAX_VALUE, (k, v) ->
        {
            final String[] p = parts(k, RELEASES.length);
            visitor.accept(decodeRelease(p[0], p[1], p[2], v));
            return true;
        });
    }

    private static StoredRelease decodeRelease(final String cell, final String tag, final String signer,
        final byte[] v)
    {
        final ByteBuffer r = ByteBuffer.wrap(v);
        return new StoredRelease(cell, tag, signer, readText(r), readText(r), r.getLong());
    }

    long stamp()
    {
        final byte[] v = state.get(STAMP);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    void advanceStamp(final long leaderMs)
    {
        if (leaderMs > stamp())
        {
            state.put(STAMP, new Writer().number(leaderMs).done());
        }
    }

    private static StoredLease decodeLease(final byte[] key, final byte[] value)
    {
        final String[] p = parts(key, LEASES.length);
        return decodeLease(p[0], p[1], p[2], p[3], value);
    }

    private static StoredLease decodeLease(
        final String cell, final String version, final String fingerprint, final String instanceId, final byte[] v)
    {
        final ByteBuffer r = ByteBuffer.wrap(v);
        return new StoredLease(cell, version, fingerprint, instanceId, readText(r), readText(r), readText(r),
            readText(r), readText(r), readBytes(r), r.getLong(), r.getLong(), r.getLong(), (int)r.getLong(),
            (int)r.getLong(), (int)r.getLong(), (int)r.getLong(), r.getLong());
    }

    private static StoredUse decodeUse(final String consumer, final String host, final byte[] v)
    {
        final ByteBuffer r = ByteBuffer.wrap(v);
        final String identity = readText(r);
        final long issued = r.getLong();
        final long index = r.getLong();
        final int count = r.getInt();
        final List<HandlerUse> handlers = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            handlers.add(new HandlerUse(readText(r), readText(r)));
        }
        return new StoredUse(consumer, host, identity, issued, index, handlers);
    }

    private static String[] parts(final byte[] key, final int from)
    {
        return new String(key, from, key.length - from, StandardCharsets.UTF_8).split("\0", -1);
    }

    private static byte[] key(final byte[] kind, final String... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.writeBytes(kind);
        for (int i = 0; i < parts.length; i++)
        {
            if (i > 0)
            {
                out.write(0);
            }
            out.writeBytes(parts[i].getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static byte[] prefix(final byte[] kind, final String... parts)
    {
        final byte[] k = key(kind, parts);
        final byte[] p = Arrays.copyOf(k, k.length + 1);
        p[k.length] = 0;
        return p;
    }

    private static byte[] end(final byte[] prefix)
    {
        final byte[] e = prefix.clone();
        e[e.length - 1]++;
        return e;
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String readText(final ByteBuffer r)
    {
        return new String(readBytes(r), StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(final ByteBuffer r)
    {
        final byte[] b = new byte[r.getInt()];
        r.get(b);
        return b;
    }

    /**
     * Length-prefixed values.
     */
    private static final class Writer
    {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

        Writer text(final String value)
        {
            return bytes(value.getBytes(StandardCharsets.UTF_8));
        }

        Writer bytes(final byte[] value)
        {
            count(value.length);
            out.writeBytes(value);
            return this;
        }

        Writer count(final int value)
        {
            out.writeBytes(ByteBuffer.allocate(4).putInt(value).array());
            return this;
        }

        Writer number(final long value)
        {
            out.writeBytes(ByteBuffer.allocate(8).putLong(value).array());
            return this;
        }

        byte[] done()
        {
            return out.toByteArray();
        }
    }
}
