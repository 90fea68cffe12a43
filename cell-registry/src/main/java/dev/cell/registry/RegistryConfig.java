package dev.cell.registry;

import dev.cell.runtime.identity.Identity;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How the registry keeps leases. Immutable; start from {@link #defaults(Identity)}. Every replica of one registry
 * group must be given the same {@code registryKeys} (they decide which expiries and digests apply); the durations
 * only matter on the leader.
 *
 * @param renewEvery   how often instances renew (told to them in every ticket and renewal reply).
 * @param misses       a lease not renewed for {@code renewEvery × misses} is expired by the leader.
 * @param digestEvery  how often the leader writes its digest entry (loads, and the clock stamp readers judge
 *                     staleness by).
 * @param tick         how often the leader looks for leases to expire.
 * @param identity     this replica's registry key: signs tickets, expiries and digests; null: this replica admits
 *                     nothing and expires nothing.
 * @param registryKeys the public keys whose expiries, digests and tickets the state machine applies.
 * @param clock        the clocks.
 * @since 0.2
 */
public record RegistryConfig(
    Duration renewEvery, int misses, Duration digestEvery, Duration tick, Identity identity, Set<String> registryKeys,
    RegistryClock clock)
{
    /**
     * System property: renewal interval in ms (default 250).
     */
    public static final String RENEW_MS_PROPERTY = "cell.registry.renew.ms";
    /**
     * System property: renewals an instance may miss (default 4).
     */
    public static final String MISSES_PROPERTY = "cell.registry.misses";
    /**
     * System property: digest interval in ms (default 1000).
     */
    public static final String DIGEST_MS_PROPERTY = "cell.registry.digest.ms";

    /**
     * @throws IllegalArgumentException when a value is out of range.
     */
    public RegistryConfig
    {
        if (renewEvery.toMillis() < 50 || renewEvery.toMillis() > 10_000)
        {
            throw new IllegalArgumentException("renewEvery " + renewEvery.toMillis() + " ms must be 50 to 10000 ms");
        }
        if (misses < 2 || misses > 10)
        {
            throw new IllegalArgumentException("misses " + misses + " must be 2 to 10");
        }
        if (digestEvery.toMillis() < 100 || digestEvery.toMillis() > 60_000)
        {
            throw new IllegalArgumentException("digestEvery " + digestEvery.toMillis() + " ms must be 100 to 60000 ms");
        }
        if (tick.toMillis() < 5 || tick.compareTo(renewEvery) > 0)
        {
            throw new IllegalArgumentException("tick " + tick.toMillis() + " ms must be 5 ms to renewEvery");
        }
        for (final String k : registryKeys)
        {
            if (!Identity.isPublicId(k))
            {
                throw new IllegalArgumentException("registry key '" + k + "' is not a public identity (ed25519:...)");
            }
        }
        registryKeys = Set.copyOf(registryKeys);
    }

    /**
     * @param identity the replica's registry key (its cell identity: every replica on one host shares it).
     * @return 250 ms renewals, 4 misses (1 s), a digest every second, a 50 ms tick, that key as the only registry
     * key, the system clock.
     */
    public static RegistryConfig defaults(final Identity identity)
    {
        return new RegistryConfig(Duration.ofMillis(250), 4, Duration.ofSeconds(1), Duration.ofMillis(50), identity,
            identity == null ? Set.of() : Set.of(identity.publicId()), RegistryClock.system());
    }

    /**
     * What a registry started without {@link RegistryNode} uses: the identity named by {@code cell.identity.file}
     * (the launcher sets it to the cell's), durations from {@link #RENEW_MS_PROPERTY}, {@link #MISSES_PROPERTY},
     * {@link #DIGEST_MS_PROPERTY}.
     *
     * @return the configuration.
     */
    public static RegistryConfig fromSystemProperties()
    {
        final String file = System.getProperty("cell.identity.file");
        final Identity identity = file == null || file.isBlank() ? null : Identity.loadOrCreate(Path.of(file));
        final RegistryConfig d = defaults(identity);
        final Duration renew = Duration.ofMillis(Long.getLong(RENEW_MS_PROPERTY, d.renewEvery.toMillis()));
        return d.withRenewEvery(renew, Integer.getInteger(MISSES_PROPERTY, d.misses))
            .withDigestEvery(Duration.ofMillis(Long.getLong(DIGEST_MS_PROPERTY, d.digestEvery.toMillis())));
    }

    /**
     * @return how long a lease lives without a renewal: {@code renewEvery × misses}.
     */
    public long ttlMs()
    {
        return renewEvery.toMillis() * misses;
    }

    /**
     * @param every  renewal interval.
     * @param missed renewals that may be missed.
     * @return a copy with them (the tick becomes a fifth of the interval).
     */
    public RegistryConfig withRenewEvery(final Duration every, final int missed)
    {
        return new RegistryConfig(every, missed, digestEvery, every.dividedBy(5), identity, registryKeys, clock);
    }

    /**
     * @param value digest interval.
     * @return a copy with it.
     */
    public RegistryConfig withDigestEvery(final Duration value)
    {
        return new RegistryConfig(renewEvery, misses, value, tick, identity, registryKeys, clock);
    }

    /**
     * @param value the clocks.
     * @return a copy with them.
     */
    public RegistryConfig withClock(final RegistryClock value)
    {
        return new RegistryConfig(renewEvery, misses, digestEvery, tick, identity, registryKeys, value);
    }

    /**
     * @param value the registry keys whose entries apply.
     * @return a copy with them.
     */
    public RegistryConfig withRegistryKeys(final Set<String> value)
    {
        return new RegistryConfig(renewEvery, misses, digestEvery, tick, identity, value, clock);
    }
}
