package dev.cell.registry;

import dev.cell.raft.GroupJoin;
import dev.cell.runtime.Cell;
import dev.cell.runtime.service.AxonOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cell a member host serves joins with (over its axon: encrypted, the caller sees the registry key): a host that
 * presents a token from {@link GroupJoin#invite} gets a listener slot at the address it gives and the group's files.
 * Each token admits one host; the files include the group's secrets, so a token is as sensitive as they are until it
 * is used or expires.
 *
 * @since 0.3
 */
@Cell(value = "registry-join", version = "1.0.0")
public final class RegistryJoin
{
    private final Path cellDir;

    /**
     * A join cell for no folder: refuses every join (the generated binding's instance; {@link RegistryHost} serves
     * one for its registry folder).
     */
    public RegistryJoin()
    {
        this(null);
    }

    /**
     * @param cellDir this host's registry folder.
     */
    public RegistryJoin(final Path cellDir)
    {
        this.cellDir = cellDir;
    }

    /**
     * @param request the joiner's token and Raft address.
     * @return its slot and the group's files.
     * @throws JoinRefused when the token is not a valid one or the address is not usable.
     */
    public JoinGrant join(final JoinRequest request) throws JoinRefused
    {
        if (cellDir == null)
        {
            throw new JoinRefused("this host takes no joins");
        }
        final dev.cell.raft.GroupMember address;
        try
        {
            address = new dev.cell.raft.GroupMember(0, request.host(), request.port(), true);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new JoinRefused(ex.getMessage());
        }
        if (!GroupJoin.redeem(cellDir, request.token()))
        {
            throw new JoinRefused("the token is unknown, used or expired: ask a member host for a new one " +
                "(cell registry invite)");
        }
        final int slot = GroupJoin.reserveListener(cellDir, address.host(), address.port());
        final GroupJoin.Files files = GroupJoin.groupFiles(cellDir);
        try
        {
            return new JoinGrant(slot, files.group(), files.secret(), files.tlsKey(), files.tlsCertificate(),
                Files.readAllBytes(AxonOptions.identityFileOf(cellDir)), Files.readAllBytes(cellDir.resolve("cell.toml")));
        }
        catch (final IOException ex)
        {
            throw new JoinRefused("cannot read the registry's files: " + ex.getMessage());
        }
    }
}
