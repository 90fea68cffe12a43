package dev.cell.examples.kv;

import dev.cell.examples.kv.kv.codecs.MessageHeaderEncoder;
import dev.cell.examples.kv.kv.codecs.PutRequestEncoder;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What a local process can do to a running kv tissue with the owner's paths, pids, ports and group id in hand: run
 * by {@link KvOtherUserTest} as a throwaway second user (and, as a control, as the owner) with one argument, a plan
 * file of one probe per line ({@code <kind> <id> <args...>}). It prints one line per probe, {@code <id> <outcome>
 * <detail>}, and exits 0 once every probe ran; an {@code Error} (a class missing from its class path) ends it with a
 * stack trace, so a broken probe is never mistaken for a refusal.
 * <ul>
 *   <li>{@code read <id> <path>}: open a file and read a byte, or list a folder: {@code readable} or
 *       {@code denied};</li>
 *   <li>{@code map <id> <path>}: map a ring file read-write, else read-only: {@code mapped-rw}, {@code mapped-ro} or
 *       {@code denied};</li>
 *   <li>{@code instance <id> <instance.dat>}: open it as a client does to post on its accept ring;</li>
 *   <li>{@code junction <id> <junctions folder>}: create a junction file there;</li>
 *   <li>{@code call <id> <cellHome>}: {@code KvClient.connect} through that cell home and call {@code status}:
 *       {@code answered} or {@code refused};</li>
 *   <li>{@code forged <id> <scratch> <runDir> <cellDir> <instanceId> <pid> <startEpochMs> <fingerprint>}: register
 *       the owner's instance in a cell home of this user's own, then connect and call through it;</li>
 *   <li>{@code control <id> <port> <line...>}: send one line to a supervisor's control port: {@code reply <text>};</li>
 *   <li>{@code raft <id> <groupId> <peers r0@127.0.0.1:p,...> <plain|own-cert|group-key> [key cert]}: submit a
 *       well-formed kv {@code put} entry with a Ratis client: {@code accepted} or {@code refused}.</li>
 * </ul>
 * Test support, not production code.
 */
public final class OtherUserProbe
{
    private OtherUserProbe()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8))
        {
            if (line.isBlank())
            {
                continue;
            }
            final String[] w = line.trim().split(" ");
            final String outcome = switch (w[0])
            {
                case "read" -> read(Path.of(w[2]));
                case "map" -> map(Path.of(w[2]));
                case "instance" -> instance(Path.of(w[2]));
                case "junction" -> junction(Path.of(w[2]));
                case "call" -> call(Path.of(w[2]));
                case "forged" -> forged(w);
                case "control" -> control(Integer.parseInt(w[2]), String.join(" ", List.of(w).subList(3, w.length)));
                case "raft" -> raft(w);
                default -> throw new IllegalArgumentException("unknown probe " + w[0]);
            };
            System.out.println(w[1] + " " + outcome.replace('\n', ' '));
            System.out.flush();
        }
    }

    private static String failure(final Throwable ex)
    {
        final StringBuilder b = new StringBuilder();
        for (Throwable t = ex; t != null && b.length() < 4000; t = t.getCause())
        {
            b.append(b.isEmpty() ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return b.toString();
    }

    private static String denied(final IOException ex)
    {
        return (ex instanceof AccessDeniedException ? "denied " : ex instanceof NoSuchFileException ? "missing " :
            "error ") + failure(ex);
    }

    static String read(final Path path)
    {
        try
        {
            if (Files.isDirectory(path))
            {
                int n = 0;
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(path))
                {
                    for (final Path ignored : entries)
                    {
                        n++;
                    }
                }
                return "readable listed " + n + " entries";
            }
            try (InputStream in = Files.newInputStream(path))
            {
                return "readable first byte " + in.read();
            }
        }
        catch (final IOException ex)
        {
            return denied(ex);
        }
    }

    private static String map(final Path path)
    {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            ch.map(FileChannel.MapMode.READ_WRITE, 0, Math.min(ch.size(), 4096));
            return "mapped-rw";
        }
        catch (final IOException rw)
        {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ))
            {
                ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(), 4096));
                return "mapped-ro (read-write: " + failure(rw) + ")";
            }
            catch (final IOException ro)
            {
                return denied(ro);
            }
        }
    }

    private static String instance(final Path file)
    {
        try (InstanceFile f = InstanceFile.open(file))
        {
            return "opened: pid " + f.pid() + " state " + f.state();
        }
        catch (final IOException ex)
        {
            return denied(ex);
        }
        catch (final RuntimeException ex)
        {
            return "refused " + failure(ex);
        }
    }

    private static String junction(final Path junctions)
    {
        final Path file = junctions.resolve(ProcessHandle.current().pid() + "-probe.junction");
        try
        {
            final Junction j = Junction.create(file, 1 << 16, 1 << 16);
            j.closeAndDelete();
            return "created " + file;
        }
        catch (final IOException ex)
        {
            return denied(ex);
        }
    }

    private static String call(final Path cellHome)
    {
        final ClientOptions options = ClientOptions.defaults().withCellHome(cellHome).withClientName("intruder")
            .withConnectTimeout(Duration.ofSeconds(2)).withCallTimeout(Duration.ofSeconds(10));
        try (KvClient kv = KvClient.connect(options))
        {
            final Status status = kv.status(new Nothing());
            return "answered keys " + status.keys() + " applied " + status.appliedIndex();
        }
        catch (final RuntimeException ex)
        {
            return "refused " + failure(ex);
        }
    }

    private static String forged(final String[] w)
    {
        final Path home = Path.of(w[2]).resolve("home-" + System.nanoTime());
        final InstanceRecord record = new InstanceRecord("kv", w[5], Long.parseLong(w[6]), Long.parseLong(w[7]),
            Path.of(w[3]), Path.of(w[4]), w[8], "eco");
        try
        {
            InstanceRegistry.register(home, record);
        }
        catch (final IOException ex)
        {
            return "error cannot write the forged entry: " + failure(ex);
        }
        return call(home);
    }

    private static String control(final int port, final String line)
    {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            s.setSoTimeout(5_000);
            final OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            final String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return "reply " + (reply.length() > 200 ? reply.substring(0, 200) : reply);
        }
        catch (final IOException ex)
        {
            return "error " + failure(ex);
        }
    }

    /**
     * A kv {@code put} as a replica logs it: kind, leader time and window (the leader writes them), session, sequence,
     * then the SBE request.
     */
    private static byte[] putEntry(final String key)
    {
        final byte[] entry = new byte[37 + 64 + key.length()];
        final UnsafeBuffer b = new UnsafeBuffer(entry);
        b.putByte(0, (byte)0x10);
        b.putLong(13, System.currentTimeMillis(), ByteOrder.LITTLE_ENDIAN);
        b.putLong(21, new SecureRandom().nextLong(), ByteOrder.LITTLE_ENDIAN);
        b.putLong(29, 1, ByteOrder.LITTLE_ENDIAN);
        final PutRequestEncoder put = new PutRequestEncoder().wrapAndApplyHeader(b, 37, new MessageHeaderEncoder());
        put.key(key);
        final byte[] value = "intruder".getBytes(StandardCharsets.UTF_8);
        put.putValue(value, 0, value.length);
        final byte[] exact = new byte[37 + MessageHeaderEncoder.ENCODED_LENGTH + put.encodedLength()];
        System.arraycopy(entry, 0, exact, 0, exact.length);
        return exact;
    }

    /**
     * @return {@code entry} followed by its HMAC-SHA256 (over everything after the leader-written bytes 0..12) with
     * {@code key}, as a replica of the group signs the commands it forwards.
     */
    private static byte[] signed(final byte[] entry, final byte[] key)
    {
        try
        {
            final javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            mac.update(entry, 13, entry.length - 13);
            final byte[] out = java.util.Arrays.copyOf(entry, entry.length + 32);
            mac.doFinal(out, entry.length);
            return out;
        }
        catch (final java.security.GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static String raft(final String[] w)
    {
        final List<RaftPeer> peers = new ArrayList<>();
        for (final String p : w[3].split(","))
        {
            final String[] idAddress = p.split("@");
            peers.add(RaftPeer.newBuilder().setId(RaftPeerId.valueOf(idAddress[0])).setAddress(idAddress[1]).build());
        }
        final RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.fromString(w[2])), peers);
        final Parameters parameters;
        try
        {
            parameters = switch (w[4])
            {
                case "plain" -> null;
                case "own-cert" -> tls(ownKeyManager(Path.of(w[5])));
                case "group-key" -> tls(groupKeyManager(Path.of(w[5]), Path.of(w[6])));
                default -> throw new IllegalArgumentException("unknown raft mode " + w[4]);
            };
        }
        catch (final IOException ex)
        {
            return "refused cannot build the client's TLS identity: " + denied(ex);
        }
        final RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(2, TimeUnit.SECONDS));
        final RaftClient.Builder builder = RaftClient.newBuilder().setProperties(p).setRaftGroup(group)
            .setClientId(ClientId.randomId())
            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(6,
                TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)));
        if (parameters != null)
        {
            builder.setParameters(parameters);
        }
        try (RaftClient client = builder.build())
        {
            byte[] entry = putEntry("intruder-" + w[1]);
            if (w[4].equals("group-key"))
            {
                // A member also holds the group's secret: its entries carry the tag the replicas verify.
                entry = signed(entry, Files.readAllBytes(Path.of(w[5]).getParent().getParent().resolve("group.secret")));
            }
            final RaftClientReply reply = client.async()
                .send(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)))
                .get(30, TimeUnit.SECONDS);
            if (!reply.isSuccess())
            {
                return "refused by the group: " + failure(reply.getException());
            }
            final byte[] content = reply.getMessage().getContent().toByteArray();
            return "accepted log index " + reply.getLogIndex() + " status " + (content.length == 0 ? -1 : content[0]);
        }
        catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException |
            IOException ex)
        {
            return "refused " + failure(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "error interrupted";
        }
    }

    private static Parameters tls(final KeyManager keyManager)
    {
        final Parameters parameters = new Parameters();
        GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(keyManager, new TrustAnything(), true));
        return parameters;
    }

    /**
     * A key and self-signed certificate of this user's own, made with the JDK's keytool.
     */
    private static KeyManager ownKeyManager(final Path scratch) throws IOException
    {
        final Path store = scratch.resolve("intruder-" + System.nanoTime() + ".p12");
        final Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool")
            .toString(), "-J-XX:-UsePerfData", "-genkeypair", "-alias", "intruder", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", "CN=intruder", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
            "-storepass", "intruder", "-keypass", "intruder").redirectErrorStream(true).start();
        try
        {
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0)
            {
                keytool.destroyForcibly();
                throw new IOException("keytool failed: " + new String(keytool.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
            }
            final KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store))
            {
                ks.load(in, "intruder".toCharArray());
            }
            final KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(ks, "intruder".toCharArray());
            return new AlwaysPresent((X509ExtendedKeyManager)f.getKeyManagers()[0], "intruder");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
        catch (final java.security.GeneralSecurityException ex)
        {
            throw new IOException(ex);
        }
    }

    /**
     * The group's own key and certificate, read from the paths given (the owner can, another user cannot).
     */
    private static KeyManager groupKeyManager(final Path key, final Path certificate) throws IOException
    {
        final byte[] keyBytes = Files.readAllBytes(key);
        final byte[] certBytes = Files.readAllBytes(certificate);
        try
        {
            final PrivateKey k = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(keyBytes));
            final X509Certificate c = (X509Certificate)CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certBytes));
            final KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("group", k, new char[0], new java.security.cert.Certificate[] {c});
            final KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(ks, new char[0]);
            return f.getKeyManagers()[0];
        }
        catch (final java.security.GeneralSecurityException ex)
        {
            throw new IOException(ex);
        }
    }

    /**
     * Presents the intruder's certificate whatever issuers the server asks for (a key manager would otherwise send
     * none, as no certificate of this user's matches the group's pinned one).
     */
    private static final class AlwaysPresent extends X509ExtendedKeyManager
    {
        private final X509ExtendedKeyManager delegate;
        private final String alias;

        AlwaysPresent(final X509ExtendedKeyManager delegate, final String alias)
        {
            this.delegate = delegate;
            this.alias = alias;
        }

        @Override
        public String[] getClientAliases(final String keyType, final java.security.Principal[] issuers)
        {
            return new String[] {alias};
        }

        @Override
        public String chooseClientAlias(final String[] keyType, final java.security.Principal[] issuers,
            final Socket socket)
        {
            return alias;
        }

        @Override
        public String chooseEngineClientAlias(final String[] keyType, final java.security.Principal[] issuers,
            final SSLEngine engine)
        {
            return alias;
        }

        @Override
        public String[] getServerAliases(final String keyType, final java.security.Principal[] issuers)
        {
            return new String[] {alias};
        }

        @Override
        public String chooseServerAlias(final String keyType, final java.security.Principal[] issuers,
            final Socket socket)
        {
            return alias;
        }

        @Override
        public String chooseEngineServerAlias(final String keyType, final java.security.Principal[] issuers,
            final SSLEngine engine)
        {
            return alias;
        }

        @Override
        public X509Certificate[] getCertificateChain(final String name)
        {
            return delegate.getCertificateChain(name);
        }

        @Override
        public PrivateKey getPrivateKey(final String name)
        {
            return delegate.getPrivateKey(name);
        }
    }

    /**
     * An intruder does not care who the server is.
     */
    private static final class TrustAnything extends X509ExtendedTrustManager
    {
        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType)
        {
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType)
        {
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
        {
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
        {
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
        {
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
        {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers()
        {
            return new X509Certificate[0];
        }
    }
}
