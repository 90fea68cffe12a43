package dev.cell.raft;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.SetConfigurationRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A host joining a group that spans hosts, as a listener: the member host reserves its slot and hands over the
 * group's files; the joiner installs them, starts its replica, and has the group take it in. Moving those files
 * between hosts is the caller's (the registry sends them over an encrypted axon to a holder of a one-time token).
 *
 * @since 0.3
 */
public final class GroupJoin
{
    private GroupJoin()
    {
    }

    /**
     * A host joins a group that spans hosts, seen from a member host: reserve the next slot as a listener at the
     * joiner's address in this host's group file, and return it with the group's files ({@link #groupFiles}) to send
     * to the joiner, who installs them ({@link #installGroup}), starts its replica with the slot and then asks the
     * group to take it in ({@link #admitListener}).
     *
     * @param cellDir the cell's folder on a member host.
     * @param host    the joiner's address, as the other hosts reach it.
     * @param port    the joiner's Raft port.
     * @return the joiner's slot (the same one when the same address asks again).
     */
    public static int reserveListener(final Path cellDir, final String host, final int port)
    {
        try
        {
            return GroupConfig.addListener(cellDir.toAbsolutePath().normalize(), host, port);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot add a listener to the group under " + cellDir, ex);
        }
    }

    /**
     * The files that define a group that spans hosts (no replica's data).
     *
     * @param group          the group file: members, their hosts and ports.
     * @param secret         the entry key.
     * @param tlsKey         the group's TLS key.
     * @param tlsCertificate the group's TLS certificate.
     */
    public record Files(byte[] group, byte[] secret, byte[] tlsKey, byte[] tlsCertificate)
    {
        Map<String, byte[]> byName()
        {
            return Map.of(GroupConfig.FILES.get(0), group, GroupConfig.FILES.get(1), secret, GroupConfig.FILES.get(2),
                tlsKey, GroupConfig.FILES.get(3), tlsCertificate);
        }
    }

    /**
     * @param cellDir the cell's folder on a member host.
     * @return the files that define its group.
     */
    public static Files groupFiles(final Path cellDir)
    {
        try
        {
            final Map<String, byte[]> f = GroupConfig.files(cellDir.toAbsolutePath().normalize());
            return new Files(f.get(GroupConfig.FILES.get(0)), f.get(GroupConfig.FILES.get(1)),
                f.get(GroupConfig.FILES.get(2)), f.get(GroupConfig.FILES.get(3)));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the group under " + cellDir, ex);
        }
    }

    /**
     * Write the group files a member host sent ({@link #groupFiles}) into this host's cell folder, private to the
     * owner.
     *
     * @param cellDir the cell's folder on the joining host.
     * @param files   the files.
     * @throws IllegalArgumentException when they are not a group's files.
     */
    public static void installGroup(final Path cellDir, final Files files)
    {
        try
        {
            GroupConfig.install(cellDir.toAbsolutePath().normalize(), files.byName());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot install the group under " + cellDir, ex);
        }
    }

    /**
     * Ask the group to take a running listener in (a Raft configuration change that adds it to the current
     * configuration as a listener; the leader then brings it up to date). Run on the joining host once its replica
     * runs with the slot {@link #reserveListener} gave.
     *
     * @param cellDir the cell's folder on the joining host.
     * @param slot    its slot.
     * @throws IllegalStateException when the group refused.
     */
    public static void admitListener(final Path cellDir, final int slot)
    {
        final Path dir = cellDir.toAbsolutePath().normalize();
        try
        {
            final GroupConfig config = GroupConfig.read(GroupConfig.replicasDir(dir));
            final Integer port = config.ports.get(slot);
            if (port == null || !config.listeners.contains(slot))
            {
                throw new IllegalArgumentException("slot " + slot + " is not a listener of the group in " + dir);
            }
            final RaftGroup current = RaftSetup.group(config, config.members, config.listeners);
            try (RaftClient admin = RaftSetup.client(current, ReplicaOptions.Transport.GRPC, null,
                Replica.raftParameters(dir, config.groupId, ReplicaOptions.Transport.GRPC)))
            {
                final RaftClientReply reply = admin.admin().setConfiguration(SetConfigurationRequest.Arguments
                    .newBuilder().setServersInNewConf(List.of())
                    .setListenersInNewConf(List.of(RaftSetup.peer(slot, config.host(slot), port, true)))
                    .setMode(SetConfigurationRequest.Mode.ADD).build());
                if (!reply.isSuccess())
                {
                    throw new IllegalStateException("the group did not take listener " + slot + " in: " +
                        reply.getException());
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot admit listener " + slot + " to the group under " + dir, ex);
        }
    }

    /**
     * The folder of a group's invitations, under the replicas folder.
     */
    static final String INVITES = "invites";
    /**
     * The file where a member host that takes joins writes its join endpoint ({@code host:port} of its axon).
     */
    public static final String JOIN_ENDPOINT = "join.endpoint";

    /**
     * Invite one host to join: a random 256-bit token, valid once, until {@code ttl} passes. Only its SHA-256 is kept,
     * in {@code <replicas>/invites/} (0600).
     *
     * @param cellDir the cell's folder on a member host.
     * @param ttl     how long the token may be used.
     * @return the token (URL-safe base64).
     */
    public static String invite(final Path cellDir, final java.time.Duration ttl)
    {
        final byte[] token = new byte[32];
        new java.security.SecureRandom().nextBytes(token);
        final String text = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(token);
        try
        {
            final Path dir = GroupConfig.replicasDir(cellDir.toAbsolutePath().normalize()).resolve(INVITES);
            dev.cell.ledger.PrivateFiles.createDirectories(dir);
            dev.cell.ledger.PrivateFiles.writeAtomically(dir.resolve(hash(text)), Long.toString(
                System.currentTimeMillis() + ttl.toMillis()).getBytes(java.nio.charset.StandardCharsets.US_ASCII), true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write an invitation under " + cellDir, ex);
        }
        return text;
    }

    /**
     * Use a token: true once for a token {@link #invite} made that has not expired; it is gone afterwards (expired
     * ones are deleted as they are found).
     *
     * @param cellDir the cell's folder on the member host.
     * @param token   what the joiner presents.
     * @return whether it may join.
     */
    public static synchronized boolean redeem(final Path cellDir, final String token)
    {
        if (token == null || !token.matches("[A-Za-z0-9_-]{43}"))
        {
            return false;
        }
        final Path file = GroupConfig.replicasDir(cellDir.toAbsolutePath().normalize()).resolve(INVITES)
            .resolve(hash(token));
        try
        {
            final long until = Long.parseLong(java.nio.file.Files.readString(file).strip());
            java.nio.file.Files.delete(file);
            return System.currentTimeMillis() <= until;
        }
        catch (final IOException | NumberFormatException ex)
        {
            return false;
        }
    }

    private static String hash(final String token)
    {
        try
        {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
