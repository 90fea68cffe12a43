package dev.cell.registry;

import java.util.List;

/**
 * An instance announcing itself, signed by its identity. {@code announce} takes it without a ticket (the leader checks
 * it and answers a {@link Ticket}); {@code grant} takes it with the ticket and enters the log.
 *
 * @param cell        the cell's name.
 * @param version     the cell's contract version ({@code 1.2.0}).
 * @param fingerprint its genome fingerprint, 16 hex digits.
 * @param instanceId  the instance's id.
 * @param host        the host it runs on, as the host names itself.
 * @param region      a region label (may be empty).
 * @param junction    its run folder on that host, where its junction is found (empty: none).
 * @param axon        its axon endpoint {@code host:port} (empty: none).
 * @param identity    the instance's public identity: the key that signed this.
 * @param owners      the keys the cell's {@code [auth] owners} lists, used at the name's first registration only
 *                    (empty: the signer).
 * @param nonce       16 or more random bytes, new per lease: renewals present them.
 * @param issuedMs    when the instance signed it (epoch ms, its clock).
 * @param signature   Ed25519 over {@link RegistrySignatures#announcement}, by {@code identity}.
 * @param admittedMs  the ticket's time (leader clock, epoch ms); 0 before the leader admitted it.
 * @param ticket      the leader's signature over {@link RegistrySignatures#ticket} (empty before).
 */
public record Announcement(
    String cell, String version, String fingerprint, String instanceId, String host, String region, String junction,
    String axon, String identity, List<Owner> owners, byte[] nonce, long issuedMs, byte[] signature, long admittedMs,
    byte[] ticket)
{
}
