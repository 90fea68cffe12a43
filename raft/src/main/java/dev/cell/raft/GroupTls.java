package dev.cell.raft;

import dev.cell.ledger.PrivateFiles;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * The Raft ports' mutual TLS (Ratis' gRPC transport): one EC P-256 key pair and a self-signed certificate per group,
 * created at the group's first start in {@code .cell/replicas/tls/} ({@code group.key}, PKCS#8, and
 * {@code group.crt}, DER; folder 0700, files 0600). Every replica's server and every client a replica opens present
 * that certificate, and accept a peer only when it presents exactly the same one (the certificate is pinned: no
 * certificate authority, no host names). A local process of another user cannot read the key, so it cannot complete a
 * handshake with any replica: it can neither submit an entry nor vote, append or change the membership.
 */
final class GroupTls
{
    static final String DIR = "tls";
    static final String KEY = "group.key";
    static final String CERTIFICATE = "group.crt";
    private static final char[] NO_PASSWORD = new char[0];

    private final PrivateKey key;
    private final X509Certificate certificate;

    private GroupTls(final PrivateKey key, final X509Certificate certificate)
    {
        this.key = key;
        this.certificate = certificate;
    }

    /**
     * Load the group's key and certificate from {@code replicasDir/tls/}, creating them when absent. Call under the
     * group lock.
     */
    static GroupTls loadOrCreate(final Path replicasDir, final UUID groupId) throws IOException
    {
        final Path dir = replicasDir.resolve(DIR);
        if (!Files.isRegularFile(dir.resolve(KEY)) || !Files.isRegularFile(dir.resolve(CERTIFICATE)))
        {
            PrivateFiles.createDirectories(dir);
            final GroupTls created = create("cell-group-" + groupId);
            PrivateFiles.writeAtomically(dir.resolve(KEY), created.key.getEncoded(), true);
            try
            {
                PrivateFiles.writeAtomically(dir.resolve(CERTIFICATE), created.certificate.getEncoded(), true);
            }
            catch (final java.security.cert.CertificateEncodingException ex)
            {
                throw new IOException("cannot encode the group certificate", ex);
            }
            return created;
        }
        return load(replicasDir);
    }

    /**
     * Load the group's key and certificate.
     */
    static GroupTls load(final Path replicasDir) throws IOException
    {
        final Path dir = replicasDir.resolve(DIR);
        try
        {
            final PrivateKey key = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(dir.resolve(KEY))));
            final X509Certificate certificate = (X509Certificate)CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve(CERTIFICATE))));
            return new GroupTls(key, certificate);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("the group's TLS key or certificate in " + dir + " is damaged: " + ex.getMessage(),
                ex);
        }
    }

    /**
     * A new key pair and self-signed certificate (not stored).
     */
    static GroupTls create(final String commonName) throws IOException
    {
        try
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            final KeyPair pair = generator.generateKeyPair();
            return new GroupTls(pair.getPrivate(), selfSigned(pair, commonName));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("cannot create the group's TLS key: " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the certificate every member presents.
     */
    X509Certificate certificate()
    {
        return certificate;
    }

    /**
     * @return Ratis parameters that make servers and clients use mutual TLS with this group's certificate.
     */
    Parameters parameters()
    {
        final Parameters p = new Parameters();
        GrpcConfigKeys.TLS.setConf(p, new GrpcTlsConfig(keyManager(), new PinnedTrust(certificate), true));
        return p;
    }

    /**
     * @return a key manager presenting this group's certificate.
     */
    KeyManager keyManager()
    {
        try
        {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("group", key, NO_PASSWORD, new java.security.cert.Certificate[] {certificate});
            final KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, NO_PASSWORD);
            return factory.getKeyManagers()[0];
        }
        catch (final GeneralSecurityException | IOException ex)
        {
            throw new IllegalStateException("cannot build the group's TLS key manager: " + ex.getMessage(), ex);
        }
    }

    /**
     * Accepts exactly one certificate, on both sides of a connection.
     */
    private static final class PinnedTrust extends X509ExtendedTrustManager
    {
        private final X509Certificate pinned;

        PinnedTrust(final X509Certificate pinned)
        {
            this.pinned = pinned;
        }

        private void check(final X509Certificate[] chain) throws CertificateException
        {
            if (chain == null || chain.length == 0 || !pinned.equals(chain[0]))
            {
                throw new CertificateException("the peer is not a member of this Raft group (it did not present " +
                    "the group's certificate)");
            }
            chain[0].checkValidity();
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType)
            throws CertificateException
        {
            check(chain);
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType)
            throws CertificateException
        {
            check(chain);
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
            throws CertificateException
        {
            check(chain);
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
            throws CertificateException
        {
            check(chain);
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
            throws CertificateException
        {
            check(chain);
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
            throws CertificateException
        {
            check(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers()
        {
            return new X509Certificate[] {pinned};
        }
    }

    // A minimal DER encoder for one self-signed X.509 v3 certificate (ecdsa-with-SHA256, a common name, a validity).

    private static final byte[] ECDSA_SHA256 = {0x06, 0x08, 0x2A, (byte)0x86, 0x48, (byte)0xCE, 0x3D, 0x04, 0x03, 0x02};
    private static final byte[] COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};

    private static X509Certificate selfSigned(final KeyPair pair, final String commonName)
        throws GeneralSecurityException
    {
        final byte[] algorithm = der(0x30, ECDSA_SHA256);
        final byte[] name = der(0x30, der(0x31, der(0x30, COMMON_NAME,
            der(0x0C, commonName.getBytes(StandardCharsets.UTF_8)))));
        final byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        final ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        final byte[] validity = der(0x30, time(now.minusDays(1)), time(ZonedDateTime.of(2049, 12, 31, 23, 59, 59, 0,
            ZoneOffset.UTC)));
        final byte[] tbs = der(0x30,
            der(0xA0, der(0x02, new byte[] {2})),
            der(0x02, serial),
            algorithm,
            name,
            validity,
            name,
            pair.getPublic().getEncoded());
        final Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(pair.getPrivate());
        signer.update(tbs);
        final byte[] signature = signer.sign();
        final byte[] bits = new byte[signature.length + 1];
        System.arraycopy(signature, 0, bits, 1, signature.length);
        final byte[] encoded = der(0x30, tbs, algorithm, der(0x03, bits));
        final X509Certificate certificate = (X509Certificate)CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(encoded));
        certificate.verify(pair.getPublic());
        return certificate;
    }

    private static byte[] time(final ZonedDateTime t)
    {
        return der(0x17, t.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] der(final int tag, final byte[]... parts)
    {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (final byte[] p : parts)
        {
            body.writeBytes(p);
        }
        final int n = body.size();
        final ByteArrayOutputStream out = new ByteArrayOutputStream(n + 6);
        out.write(tag);
        if (n < 0x80)
        {
            out.write(n);
        }
        else
        {
            final int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : 3;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--)
            {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }
}
