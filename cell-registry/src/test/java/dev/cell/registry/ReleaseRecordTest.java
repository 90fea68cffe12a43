package dev.cell.registry;

import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agreeing a release's artifact hash ({@link Registry#recordRelease}), on apply as every replica runs it: the owner's
 * signed manifest is recorded once per cell, tag and signer; the same again changes nothing; another hash for it is
 * refused naming both; and a manifest whose signature, owner or fields do not hold is refused without changing the
 * state. Then the host agents: a manifest offered on one home reaches every home's releases file.
 */
class ReleaseRecordTest
{
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);

    private Path root;
    private Harness h;
    private Identity owner;
    private Identity other;
    private RegistryGroup group;

    @BeforeEach
    void setUp() throws Exception
    {
        root = Harness.tmp("registry-releases");
        h = new Harness(root, "r0", Harness.identity(root, "registry"));
        owner = Harness.identity(root, "owner");
        other = Harness.identity(root, "other");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        if (group != null)
        {
            group.close();
        }
        h.close();
        Harness.deleteTree(root);
    }

    static String manifest(final Identity by, final String cell, final String tag, final String sha256)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "cell-manifest/1");
        m.put("name", cell);
        m.put("version", "1.0.0");
        m.put("fingerprint", "0123456789abcdef");
        m.put("tag", tag);
        m.put("artifactSha256", sha256);
        m.put("owner", by.publicId());
        return Json.write(m) + "\n";
    }

    static ReleaseRecord signed(final Identity by, final String manifest)
    {
        return new ReleaseRecord(manifest, by.publicId(), by.sign(RegistrySignatures.manifest(manifest)));
    }

    @Test
    void theFirstHashOfATagStandsAndAnotherIsRefusedNamingBoth() throws Exception
    {
        final ReleaseRecord first = signed(owner, manifest(owner, "exchange", "v1.0.0", SHA_A));
        final ReleaseRecorded added = h.apply(() -> h.registry.recordRelease(first));
        assertTrue(added.added());
        final ReleaseRecorded again = h.apply(() -> h.registry.recordRelease(first));
        assertFalse(again.added(), "the same release again changes nothing");
        assertEquals(added.recordedIndex(), again.recordedIndex());

        final String hashBefore = h.ledger.stateHash();
        final ReleaseRecord changed = signed(owner, manifest(owner, "exchange", "v1.0.0", SHA_B));
        final Refused conflict = assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordRelease(changed)));
        assertTrue(conflict.reason().contains(SHA_A) && conflict.reason().contains(SHA_B), conflict.reason());
        assertEquals(hashBefore, h.ledger.stateHash(), "a refused release changes nothing");

        // Another key's record of the same tag is its own: it cannot take the owner's tag away.
        final ReleaseRecord squatter = signed(other, manifest(other, "exchange", "v1.0.0", SHA_B));
        assertTrue(h.apply(() -> h.registry.recordRelease(squatter)).added());
        final List<RegistryState.StoredRelease> all = h.registry.allReleases();
        assertEquals(2, all.size());
        final RegistryState.StoredRelease owners = all.stream().filter(r -> r.signer().equals(owner.publicId()))
            .findFirst().orElseThrow();
        assertEquals(SHA_A, owners.sha256());
        assertEquals("1.0.0", owners.version());
    }

    @Test
    void aManifestThatDoesNotHoldIsRefusedOnApply() throws Exception
    {
        final String text = manifest(owner, "exchange", "v1.0.0", SHA_A);
        final String hashBefore = h.ledger.stateHash();
        final ReleaseRecord tampered = new ReleaseRecord(text.replace(SHA_A, SHA_B), owner.publicId(),
            owner.sign(RegistrySignatures.manifest(text)));
        assertTrue(assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordRelease(tampered))).reason()
            .contains("not signed"));
        final ReleaseRecord otherSigner = new ReleaseRecord(text, other.publicId(),
            other.sign(RegistrySignatures.manifest(text)));
        assertTrue(assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordRelease(otherSigner))).reason()
            .contains("names owner"));
        final ReleaseRecord badTag = signed(owner, manifest(owner, "exchange", "../v1", SHA_A));
        assertTrue(assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordRelease(badTag))).reason()
            .contains("tag"));
        final ReleaseRecord badHash = signed(owner, manifest(owner, "exchange", "v1", "not-a-hash"));
        assertTrue(assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordRelease(badHash))).reason()
            .contains("artifactSha256"));
        final ReleaseRecord notJson = signed(owner, "[1, 2");
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordRelease(notJson)));
        final ReleaseRecord huge = signed(owner, " ".repeat(Checks.MAX_MANIFEST + 1));
        assertTrue(assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordRelease(huge))).reason()
            .contains("at most"));
        assertEquals(hashBefore, h.ledger.stateHash(), "no refused release changed the state");
        assertTrue(h.registry.allReleases().isEmpty());
    }

    @Test
    void aReleaseOfferedOnOneHostReachesEveryHostsReleasesFile() throws Exception
    {
        group = new RegistryGroup("agent-releases", Duration.ofSeconds(1), 4);
        group.startAll();
        final String text = manifest(owner, "exchange", "v2.0.0", SHA_A);
        RegistryView.offerRelease(group.home(1), text, owner.publicId(),
            Base64.getUrlEncoder().withoutPadding().encodeToString(owner.sign(RegistrySignatures.manifest(text))));
        RegistryGroup.await("the release in every home's releases file", Duration.ofSeconds(20), () ->
        {
            for (int i = 0; i < RegistryGroup.REPLICAS; i++)
            {
                final RegistryView.Releases r = RegistryView.releases(group.home(i), "exchange");
                if (!r.fresh() || r.find("exchange", "v2.0.0", owner.publicId()) == null)
                {
                    return false;
                }
            }
            return true;
        });
        final RegistryView.Release agreed = RegistryView.releases(group.home(0), "exchange")
            .find("exchange", "v2.0.0", owner.publicId());
        assertNotNull(agreed);
        assertEquals(SHA_A, agreed.sha256());
        assertNull(RegistryView.releases(group.home(0), "exchange").find("exchange", "v2.0.0", other.publicId()));
        RegistryGroup.await("the outbox emptied", Duration.ofSeconds(20), () ->
            RegistryView.releaseOutbox(group.home(1)).toFile().list().length == 0);
    }
}
