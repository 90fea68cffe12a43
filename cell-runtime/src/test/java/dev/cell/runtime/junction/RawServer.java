package dev.cell.runtime.junction;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.session.Protocol;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.WelcomeEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * The instance side of the junction protocol written by hand, so tests can answer a real client with anything: it
 * registers under a cell home like an instance, accepts junctions, beats its heartbeats and hands each frame a client
 * sends to a {@link Script}, which answers with whatever bytes it likes.
 */
final class RawServer implements AutoCloseable
{
    /**
     * What the "instance" answers.
     */
    @FunctionalInterface
    interface Script
    {
        /**
         * @param peer  the junction the frame came on; {@link Peer#send} answers on it.
         * @param frame the client's frame (Cell protocol header first).
         */
        void onFrame(Peer peer, DirectBuffer frame);
    }

    /**
     * One accepted junction.
     */
    static final class Peer
    {
        final Junction junction;

        Peer(final Junction junction)
        {
            this.junction = junction;
        }

        void send(final DirectBuffer bytes, final int length)
        {
            final int status = junction.send(Protocol.FRAME_TYPE_ID, bytes, 0, length);
            if (status != Junction.OK)
            {
                throw new IllegalStateException("raw server send failed: " + status);
            }
        }

        /**
         * Answer a Hello as an honest instance does.
         */
        void welcome(final long fingerprint, final String instanceId)
        {
            final ExpandableArrayBuffer b = new ExpandableArrayBuffer(128);
            final WelcomeEncoder w = new WelcomeEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .serverPid(Liveness.currentPid())
                .fingerprint(fingerprint)
                .maxMessageLength(junction.maxMessageLength())
                .instance(instanceId);
            send(b, Protocol.HEADER_LENGTH + w.encodedLength());
        }
    }

    final String instanceId;
    private final Path home;
    private final String cell;
    private final Path junctions;
    private final InstanceFile instanceFile;
    private final Script script;
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    RawServer(final Path home, final String cell, final Genome genome, final String instanceId, final Script script)
        throws Exception
    {
        this.home = home;
        this.cell = cell;
        this.instanceId = instanceId;
        this.script = script;
        final Path runDir = TestSupport.newDir("raw-run").resolve(instanceId);
        PrivateFiles.createDirectory(runDir);
        junctions = PrivateFiles.createDirectory(runDir.resolve("junctions"));
        instanceFile = InstanceFile.create(runDir, genome.fingerprintValue(), InstanceFile.DEFAULT_ACCEPT_CAPACITY);
        instanceFile.heartbeat(System.currentTimeMillis());
        instanceFile.state(InstanceFile.STATE_SERVING);
        InstanceRegistry.register(home, new InstanceRecord(cell, instanceId, Liveness.currentPid(),
            Liveness.currentStartEpochMs(), runDir, runDir.getParent(), genome.fingerprint(), "eco"));
        thread = Thread.ofPlatform().daemon(true).name("raw-server-" + instanceId).start(this::run);
    }

    private void run()
    {
        final MutableDirectBuffer frame = new ExpandableArrayBuffer(1 << 16);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        long nextBeatMs = 0;
        while (running)
        {
            final long nowMs = System.currentTimeMillis();
            if (nowMs >= nextBeatMs)
            {
                nextBeatMs = nowMs + 50;
                instanceFile.heartbeat(nowMs);
                for (final Peer p : peers)
                {
                    p.junction.heartbeat(nowMs);
                }
            }
            instanceFile.pollAccepts(this::accept, 8);
            for (final Peer p : peers)
            {
                p.junction.read((type, buffer, index, length) ->
                {
                    buffer.getBytes(index, frame, 0, length);
                    view.wrap(frame, 0, length);
                    script.onFrame(p, view);
                    return true;
                }, 16);
            }
            LockSupport.parkNanos(200_000L);
        }
    }

    private void accept(final String name)
    {
        try
        {
            final Junction j = Junction.attach(junctions.resolve(name));
            peers.add(new Peer(j));
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("raw server cannot attach " + name, ex);
        }
    }

    /**
     * @param frame a client frame.
     * @return its Cell protocol template id.
     */
    static int templateId(final DirectBuffer frame)
    {
        return new MessageHeaderDecoder().wrap(frame, 0).templateId();
    }

    /**
     * @return the correlation id of a Request or GenomeRequest (the first field of both blocks).
     */
    static long correlationId(final DirectBuffer frame)
    {
        return frame.getLong(Protocol.HEADER_LENGTH, java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() throws InterruptedException
    {
        running = false;
        thread.join(5_000);
        final List<Peer> all = new ArrayList<>(peers);
        for (final Peer p : all)
        {
            p.junction.closeAndDelete();
        }
        InstanceRegistry.unregister(home, cell, instanceId);
        instanceFile.closeAndDelete();
    }
}
