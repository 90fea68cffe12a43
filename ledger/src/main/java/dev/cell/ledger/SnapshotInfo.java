package dev.cell.ledger;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What a snapshot folder holds: the RocksDB checkpoint under {@code state/} and this description in
 * {@code snapshot.properties} (written to a temporary file, forced, renamed, its folder forced).
 *
 * @param dir          the snapshot's folder.
 * @param index        the last log index applied in it.
 * @param term         that entry's term.
 * @param journalIndex the journal's last index when it was taken (the journal continues from there on restore).
 * @param stateHash    SHA-256 of the state (hex), to compare replicas.
 * @since 0.1
 */
public record SnapshotInfo(Path dir, long index, long term, long journalIndex, String stateHash)
{
    static final String FILE = "snapshot.properties";
    static final String STATE = "state";

    /**
     * Read a snapshot folder's description.
     *
     * @param dir the folder.
     * @return its description.
     * @throws IllegalArgumentException when the folder holds no complete snapshot.
     */
    public static SnapshotInfo read(final Path dir)
    {
        final Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file) || !Files.isDirectory(dir.resolve(STATE)))
        {
            throw new IllegalArgumentException(dir + " is not a complete snapshot (no " + FILE + " or " + STATE +
                "/): take snapshots with Ledger.snapshot");
        }
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file))
        {
            p.load(r);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
        return new SnapshotInfo(dir, Long.parseLong(p.getProperty("index")), Long.parseLong(p.getProperty("term")),
            Long.parseLong(p.getProperty("journalIndex")), p.getProperty("stateHash"));
    }

    void write() throws IOException
    {
        final Properties p = new Properties();
        p.setProperty("index", Long.toString(index));
        p.setProperty("term", Long.toString(term));
        p.setProperty("journalIndex", Long.toString(journalIndex));
        p.setProperty("stateHash", stateHash);
        final StringWriter w = new StringWriter();
        p.store(w, "cell ledger snapshot");
        PrivateFiles.writeAtomically(dir.resolve(FILE), w.toString().getBytes(StandardCharsets.UTF_8), true);
    }
}
