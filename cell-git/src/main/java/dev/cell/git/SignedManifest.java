package dev.cell.git;

import dev.cell.runtime.genome.Json;
import dev.cell.runtime.identity.Identity;
import org.eclipse.jgit.errors.LargeObjectException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A release's {@code Cell.json}, signed by the cell owner's Ed25519 identity: the exact bytes of the manifest and a
 * detached signature ({@code Cell.json.sig}: the signer's public identity, then the base64url signature over
 * {@code "cell-manifest v1\n"} followed by those bytes). Signing the bytes, not a re-serialisation, leaves nothing
 * to canonicalise.
 * <p>
 * It travels with the repository, as a git ref per tag ({@link #ref(String)} {@code = refs/cell/manifests/<tag>}: a
 * commit without parents whose tree holds the two files), so any git server carries it and a consumer fetches it
 * with the source; cell-git also serves it at {@code /<org>/<name>/tags/<tag>/Cell.json}. Whoever serves it cannot
 * forge it: the consumer checks the signature against the owner key it pins itself.
 *
 * @since 0.3
 */
public final class SignedManifest
{
    /**
     * Format of the manifests this class writes.
     */
    public static final String FORMAT = "cell-manifest/1";

    /**
     * Prefix of the refs holding signed manifests.
     */
    public static final String REF_PREFIX = "refs/cell/manifests/";

    /**
     * File name of the detached signature.
     */
    public static final String SIGNATURE_FILE = CellManifest.FILE_NAME + ".sig";

    private static final byte[] LABEL = "cell-manifest v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_BYTES = 64 * 1024;
    private static final int MAX_SIGNATURE_BYTES = 1024;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final byte[] json;
    private final String signer;
    private final byte[] signature;
    private final Map<String, Object> fields;

    private SignedManifest(final byte[] json, final String signer, final byte[] signature,
        final Map<String, Object> fields)
    {
        this.json = json;
        this.signer = signer;
        this.signature = signature;
        this.fields = fields;
    }

    /**
     * @param tag a tag.
     * @return the ref that holds its signed manifest.
     */
    public static String ref(final String tag)
    {
        return REF_PREFIX + tag;
    }

    /**
     * Sign a manifest.
     *
     * @param fields   its fields (written in this order).
     * @param identity the signer.
     * @return the signed manifest.
     */
    public static SignedManifest sign(final Map<String, Object> fields, final Identity identity)
    {
        final byte[] json = (Json.write(fields) + "\n").getBytes(StandardCharsets.UTF_8);
        return new SignedManifest(json, identity.publicId(), identity.sign(signed(json)),
            Json.parseObject(new String(json, StandardCharsets.UTF_8)));
    }

    /**
     * Read a manifest and its signature as stored; nothing is believed yet ({@link #signatureHolds()}).
     *
     * @param json      the bytes of {@code Cell.json}.
     * @param signature the bytes of {@code Cell.json.sig}.
     * @return the manifest.
     * @throws IllegalArgumentException when either is malformed.
     */
    public static SignedManifest parse(final byte[] json, final byte[] signature)
    {
        if (json.length > MAX_BYTES)
        {
            throw new IllegalArgumentException("a signed Cell.json is at most " + MAX_BYTES + " bytes");
        }
        if (signature.length > MAX_SIGNATURE_BYTES)
        {
            throw new IllegalArgumentException(SIGNATURE_FILE + " is at most " + MAX_SIGNATURE_BYTES + " bytes");
        }
        final String[] lines = new String(signature, StandardCharsets.US_ASCII).strip().split("\n");
        if (lines.length != 2 || !Identity.isPublicId(lines[0].strip()))
        {
            throw new IllegalArgumentException(SIGNATURE_FILE + " must be two lines: the signer's " +
                Identity.PREFIX + "... identity and the base64url signature");
        }
        final byte[] sig;
        try
        {
            sig = Base64.getUrlDecoder().decode(lines[1].strip());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(SIGNATURE_FILE + ": the signature is not base64url", ex);
        }
        final Map<String, Object> fields;
        try
        {
            fields = Json.parseObject(new String(json, StandardCharsets.UTF_8));
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException(CellManifest.FILE_NAME + " is not a JSON object: " + ex.getMessage(),
                ex);
        }
        return new SignedManifest(json.clone(), lines[0].strip(), sig, fields);
    }

    /**
     * @return true when the signature is the named signer's over these exact bytes.
     */
    public boolean signatureHolds()
    {
        return Identity.verify(signer, signed(json), signature);
    }

    /**
     * The checks every reader makes before believing a field, besides the pin: the signature holds, the manifest
     * names its signer as owner and is for this tag, and its hash is a SHA-256.
     *
     * @param tag the tag it was fetched for.
     * @return null when they pass, else what is wrong.
     */
    public String problem(final String tag)
    {
        if (!signatureHolds())
        {
            return "its signature does not hold for the key it names (" + signer + "): the manifest was altered " +
                "after it was signed, or the signature belongs to other bytes";
        }
        if (!FORMAT.equals(fields.get("format")))
        {
            return "it is not a " + FORMAT + " manifest (format " + fields.get("format") + ")";
        }
        if (!signer.equals(fields.get("owner")))
        {
            return "it names owner " + fields.get("owner") + " but is signed by " + signer;
        }
        if (!tag.equals(fields.get("tag")))
        {
            return "it is the manifest of tag " + fields.get("tag") + ", not of " + tag;
        }
        if (!(fields.get("artifactSha256") instanceof String h) || !SHA256.matcher(h).matches())
        {
            return "its artifactSha256 is not a SHA-256 (" + fields.get("artifactSha256") + ")";
        }
        return null;
    }

    /**
     * @return the signer's public identity, as the signature file names it.
     */
    public String signer()
    {
        return signer;
    }

    /**
     * @return the manifest's fields (a copy).
     */
    public Map<String, Object> fields()
    {
        return new LinkedHashMap<>(fields);
    }

    /**
     * @param name a field.
     * @return its value as text, or null.
     */
    public String field(final String name)
    {
        final Object v = fields.get(name);
        return v == null ? null : String.valueOf(v);
    }

    /**
     * @return the exact bytes of {@code Cell.json}.
     */
    public byte[] json()
    {
        return json.clone();
    }

    /**
     * @return the bytes of {@code Cell.json.sig}.
     */
    public byte[] signatureFile()
    {
        return (signer + "\n" + Base64.getUrlEncoder().withoutPadding().encodeToString(signature) + "\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Leave this manifest for the registry replica of a cell home to record, so the registry agrees its hash
     * ({@code Registry.recordRelease}; nothing happens until a replica runs there).
     *
     * @param cellHome a cell home.
     * @throws IOException when it cannot be written.
     */
    public void offerToRegistry(final java.nio.file.Path cellHome) throws IOException
    {
        dev.cell.runtime.discovery.RegistryView.offerRelease(cellHome, new String(json, StandardCharsets.UTF_8),
            signer, Base64.getUrlEncoder().withoutPadding().encodeToString(signature));
    }

    /**
     * Store this manifest under {@link #ref(String)} in a repository, replacing an earlier one.
     *
     * @param repository the owner's repository.
     * @param tag        the tag it is for.
     * @return the commit the ref now names.
     * @throws IOException when the repository cannot be written.
     */
    public ObjectId writeRef(final Repository repository, final String tag) throws IOException
    {
        try (ObjectInserter inserter = repository.newObjectInserter())
        {
            final TreeFormatter tree = new TreeFormatter();
            tree.append(CellManifest.FILE_NAME, FileMode.REGULAR_FILE, inserter.insert(Constants.OBJ_BLOB, json));
            tree.append(SIGNATURE_FILE, FileMode.REGULAR_FILE, inserter.insert(Constants.OBJ_BLOB, signatureFile()));
            final CommitBuilder commit = new CommitBuilder();
            commit.setTreeId(inserter.insert(tree));
            final PersonIdent who = new PersonIdent("cell release", "cell-release@localhost");
            commit.setAuthor(who);
            commit.setCommitter(who);
            commit.setMessage("Cell.json for " + tag + ", signed by " + signer + "\n");
            final ObjectId id = inserter.insert(commit);
            inserter.flush();
            final RefUpdate update = repository.updateRef(ref(tag));
            update.setNewObjectId(id);
            update.setForceUpdate(true);
            final RefUpdate.Result result = update.update();
            if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED &&
                result != RefUpdate.Result.NO_CHANGE)
            {
                throw new IOException("cannot update " + ref(tag) + ": " + result);
            }
            return id;
        }
    }

    /**
     * @param repository a repository.
     * @param tag        a tag.
     * @return the manifest its {@link #ref(String)} holds, or null when it has none.
     * @throws IOException              when the repository cannot be read.
     * @throws IllegalArgumentException when the ref holds no well-formed manifest.
     */
    public static SignedManifest readRef(final Repository repository, final String tag) throws IOException
    {
        final ObjectId id = repository.resolve(ref(tag));
        return id == null ? null : read(repository, id);
    }

    /**
     * @param repository a repository.
     * @param commit     a commit whose tree holds {@code Cell.json} and {@code Cell.json.sig}.
     * @return the manifest.
     * @throws IOException              when the repository cannot be read.
     * @throws IllegalArgumentException when the commit holds no well-formed manifest.
     */
    public static SignedManifest read(final Repository repository, final ObjectId commit) throws IOException
    {
        try (RevWalk walk = new RevWalk(repository); ObjectReader reader = repository.newObjectReader())
        {
            final RevCommit c;
            try
            {
                c = walk.parseCommit(commit);
            }
            catch (final org.eclipse.jgit.errors.IncorrectObjectTypeException ex)
            {
                throw new IllegalArgumentException(commit.name() + " is not a commit holding a signed Cell.json", ex);
            }
            return parse(blob(reader, c, CellManifest.FILE_NAME), blob(reader, c, SIGNATURE_FILE));
        }
    }

    private static byte[] blob(final ObjectReader reader, final RevCommit commit, final String name)
        throws IOException
    {
        try (TreeWalk tw = TreeWalk.forPath(reader, name, commit.getTree()))
        {
            if (tw == null || !tw.getFileMode(0).equals(FileMode.REGULAR_FILE))
            {
                throw new IllegalArgumentException("commit " + commit.name() + " has no file " + name);
            }
            try
            {
                return reader.open(tw.getObjectId(0), Constants.OBJ_BLOB).getCachedBytes(MAX_BYTES);
            }
            catch (final LargeObjectException ex)
            {
                throw new IllegalArgumentException(name + " of commit " + commit.name() + " is larger than " +
                    MAX_BYTES + " bytes");
            }
        }
    }

    private static byte[] signed(final byte[] json)
    {
        final byte[] message = Arrays.copyOf(LABEL, LABEL.length + json.length);
        System.arraycopy(json, 0, message, LABEL.length, json.length);
        return message;
    }
}
