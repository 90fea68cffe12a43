package dev.cell.cli;

import dev.cell.raft.GroupJoin;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell registry invite}: a token the member host's join cell accepts once, and the command that joins with it;
 * refused for a folder whose replica serves no joins.
 */
class RegistryInviteTest
{
    @TempDir
    Path dir;

    @Test
    void printsAOneTimeTokenAndTheJoinCommand() throws Exception
    {
        final Cli none = Cli.run("registry", "invite", dir.toString());
        assertEquals(CellCommand.EXIT_USER_ERROR, none.code(), none.toString());
        assertTrue(none.err().contains("serves no joins"), none.toString());

        Files.createDirectories(dir.resolve(".cell/replicas"));
        Files.writeString(dir.resolve(".cell/replicas").resolve(GroupJoin.JOIN_ENDPOINT), "10.0.0.1:7471\n");
        final String key = Identity.loadOrCreate(AxonOptions.identityFileOf(dir)).publicId();
        final Cli invite = Cli.run("registry", "invite", dir.toString(), "--ttl", "2m");
        assertEquals(0, invite.code(), invite.toString());
        assertTrue(invite.out().contains("cell join 10.0.0.1:7471 --key " + key + " --token "), invite.toString());
        final Matcher token = Pattern.compile("token \\(one host, valid for 2m\\): (\\S+)").matcher(invite.out());
        assertTrue(token.find(), invite.toString());
        assertTrue(GroupJoin.redeem(dir, token.group(1)), "the token admits a host");
        assertFalse(GroupJoin.redeem(dir, token.group(1)), "once");
    }
}
