package dev.cell.examples.kv;

import dev.cell.examples.kv.kv.codecs.CompareAndSetRequestEncoder;
import dev.cell.examples.kv.kv.codecs.GetRequestEncoder;
import dev.cell.examples.kv.kv.codecs.MessageHeaderEncoder;
import dev.cell.examples.kv.kv.codecs.PutRequestEncoder;
import dev.cell.ledger.Stateful;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The generated {@link KvJournal}: journal entries laid out as the replication layer writes them (kind byte, leader
 * timestamp, session window, client session, sequence, the SBE request, a 32-byte tag) replay as the handlers' own
 * parameters; entries that changed nothing, queries, other schemas and short entries replay nothing.
 */
class KvJournalTest
{
    private static final int TAG = 32;

    private final ExpandableArrayBuffer entry = new ExpandableArrayBuffer(256);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final List<String> seen = new ArrayList<>();
    private final KvJournal journal = new KvJournal(new KvJournal.Commands()
    {
        @Override
        public void put(final long index, final Put put)
        {
            seen.add(index + " put " + put.key() + "=" + new String(put.value(), StandardCharsets.UTF_8));
        }

        @Override
        public void compareAndSet(final long index, final CompareAndSet cas)
        {
            seen.add(index + " cas " + cas.key() + "@" + cas.expectedVersion() + "=" +
                new String(cas.value(), StandardCharsets.UTF_8));
        }
    });

    @Test
    void appliedCommandsReplayTypedAndEverythingElseIsSkipped()
    {
        journal.onEntry(7, 1, entry, 0, put(Stateful.APPLIED, "fruit/apple", "red"));
        journal.onEntry(8, 1, entry, 0, put(Stateful.NOT_APPLIED, "fruit/pear", "green"));
        journal.onEntry(9, 2, entry, 0, cas("fruit/apple", 7, "green"));
        journal.onEntry(10, 2, entry, 0, get("fruit/apple"));
        final int length = put(Stateful.APPLIED, "fruit/plum", "blue");
        entry.putShort(Stateful.COMMAND_OFFSET + 4, (short)(KvBinding.SCHEMA_ID + 1)); // another cell's schema
        journal.onEntry(11, 2, entry, 0, length);
        journal.onEntry(12, 2, entry, 0, Stateful.COMMAND_OFFSET + 3); // shorter than a message header

        assertEquals(List.of("7 put fruit/apple=red", "9 cas fruit/apple@7=green"), seen);
    }

    @Test
    void aCommandWhoseMethodIsNotOverriddenIsIgnored()
    {
        final KvJournal deletesOnly = new KvJournal(new KvJournal.Commands()
        {
            @Override
            public void delete(final long index, final Delete delete)
            {
                seen.add(index + " delete " + delete.key());
            }
        });
        deletesOnly.onEntry(3, 1, entry, 0, put(Stateful.APPLIED, "k", "v"));
        assertEquals(List.of(), seen, "put falls to the default method, which does nothing");
    }

    private int put(final byte kind, final String key, final String value)
    {
        entry.setMemory(0, Stateful.COMMAND_OFFSET, (byte)0);
        entry.putByte(0, kind);
        final PutRequestEncoder e = new PutRequestEncoder();
        final byte[] v = value.getBytes(StandardCharsets.UTF_8);
        e.wrapAndApplyHeader(entry, Stateful.COMMAND_OFFSET, header).key(key).putValue(v, 0, v.length);
        return withTag(e.encodedLength());
    }

    private int cas(final String key, final long expected, final String value)
    {
        entry.putByte(0, Stateful.APPLIED);
        final CompareAndSetRequestEncoder e = new CompareAndSetRequestEncoder();
        final byte[] v = value.getBytes(StandardCharsets.UTF_8);
        e.wrapAndApplyHeader(entry, Stateful.COMMAND_OFFSET, header).expectedVersion(expected).key(key)
            .putValue(v, 0, v.length);
        return withTag(e.encodedLength());
    }

    private int get(final String key)
    {
        entry.putByte(0, Stateful.APPLIED);
        final GetRequestEncoder e = new GetRequestEncoder();
        e.wrapAndApplyHeader(entry, Stateful.COMMAND_OFFSET, header).key(key);
        return withTag(e.encodedLength());
    }

    private int withTag(final int bodyLength)
    {
        final int end = Stateful.COMMAND_OFFSET + MessageHeaderEncoder.ENCODED_LENGTH + bodyLength;
        entry.setMemory(end, TAG, (byte)0x5a); // the HMAC tag the decoders ignore as trailing bytes
        return end + TAG;
    }
}
