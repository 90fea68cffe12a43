package dev.cell.examples.kv;

import dev.cell.examples.kv.kv.codecs.MessageHeaderEncoder;
import dev.cell.examples.kv.kv.codecs.PutRequestEncoder;
import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frames that once bricked the replicated database: a {@code put} whose key length says 2 GiB, and one that
 * says 200 MiB, sent through the project's own {@link CellConnection#call} to replicas running with
 * {@code -Xmx256m}. Each is refused with a typed rejection naming the handler and field before it is decoded or
 * submitted to Raft; no replica dies or restarts, the group keeps serving, and the state hashes are unchanged.
 */
class KvHostileFrameTest
{
    /**
     * @param keyLength what the key's length field claims.
     * @return a {@code put} request: header, block, key length field and nothing else (24 bytes or less).
     */
    private static int lyingPut(final ExpandableArrayBuffer buffer, final long keyLength)
    {
        final PutRequestEncoder put = new PutRequestEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder());
        final int keyAt = MessageHeaderEncoder.ENCODED_LENGTH + put.sbeBlockLength();
        buffer.putInt(keyAt, (int)keyLength, ByteOrder.LITTLE_ENDIAN);
        final int length = Math.max(keyAt + 4, 24);
        for (int i = keyAt + 4; i < length; i++)
        {
            buffer.putByte(i, (byte)'k');
        }
        return length;
    }

    @Test
    void lengthsThatLieAreRefusedAndTheGroupKeepsServing() throws Exception
    {
        try (KvCluster cluster = new KvCluster("hostile", List.of()))
        {
            cluster.startAll();
            final int leader = cluster.awaitLeader(Duration.ofSeconds(60));
            final int follower = (leader + 1) % KvCluster.REPLICAS;
            try (KvClient kv = KvClient.connect(cluster.clientOptions(follower)
                .withCallTimeout(Duration.ofSeconds(20))))
            {
                kv.put(new Put("before", "1".getBytes(StandardCharsets.UTF_8)));
                final List<Long> pids = new ArrayList<>();
                for (int i = 0; i < KvCluster.REPLICAS; i++)
                {
                    pids.add(cluster.pid(i));
                }
                for (final int slot : new int[] {leader, follower})
                {
                    try (CellConnection raw = CellConnection.connect(KvClient.CELL_NAME, KvClient.FINGERPRINT,
                        cluster.clientOptions(slot)))
                    {
                        final ExpandableArrayBuffer frame = new ExpandableArrayBuffer(64);
                        for (final long claimed : new long[] {0x7FFF_FFFFL, 200L << 20, 0xFFFF_FFFFL})
                        {
                            final int length = lyingPut(frame, claimed);
                            assertTrue(length <= 24, "the frame is " + length + " bytes");
                            final CellException.Rejected refused = assertThrows(CellException.Rejected.class,
                                () -> raw.call(frame, 0, length, new Reply()), "key length " + claimed);
                            assertTrue(refused.getMessage().contains("put") &&
                                refused.getMessage().contains("key"), refused.getMessage());
                        }
                        // The junction stays open: a good call on the same connection is answered.
                        assertFalse(raw.genome().handlers().isEmpty());
                    }
                }
                kv.put(new Put("after", "2".getBytes(StandardCharsets.UTF_8)));
                assertArrayEquals("2".getBytes(StandardCharsets.UTF_8), kv.get(new Key("after")).value());
                // Every replica converges on the two good puts and nothing else: the refused frames never entered
                // the log, so no replica's state hash differs.
                KvCluster.await("replicas to hold exactly the two good keys", Duration.ofSeconds(30), () ->
                {
                    final List<Status> statuses = new ArrayList<>();
                    for (int i = 0; i < KvCluster.REPLICAS; i++)
                    {
                        try (KvClient c = KvClient.connect(cluster.clientOptions(i)))
                        {
                            statuses.add(c.status(new Nothing()));
                        }
                    }
                    return statuses.stream().allMatch(st -> st.keys() == 2 &&
                        st.stateHash().equals(statuses.getFirst().stateHash()) &&
                        st.appliedIndex() == statuses.getFirst().appliedIndex());
                });
                for (int i = 0; i < KvCluster.REPLICAS; i++)
                {
                    assertTrue(cluster.alive(i), "replica " + i + " still runs");
                    assertEquals(pids.get(i), cluster.pid(i), "replica " + i + " was not restarted");
                }
            }
            for (int i = 0; i < KvCluster.REPLICAS; i++)
            {
                try (Stream<Path> outs = Files.list(cluster.root))
                {
                    for (final Path out : outs.filter(p -> p.getFileName().toString().endsWith(".out")).toList())
                    {
                        final String text = Files.readString(out);
                        assertFalse(text.contains("OutOfMemoryError"), out + " mentions an OutOfMemoryError");
                    }
                }
            }
        }
    }
}
