package dev.cell.runtime.junction;

import dev.cell.runtime.genome.FrameCheck;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The echo test cell's genome carries a real SBE schema, so an instance can check its frames like any cell's.
 */
class EchoSchemaTest
{
    @Test
    void echoFramesPassTheFrameCheckOfItsGenome()
    {
        final FrameCheck check = FrameCheck.of(EchoCell.genome());
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(64);
        for (final int template : new int[] {EchoCell.ECHO, EchoCell.FAIL, EchoCell.BOOM, EchoCell.SLOW,
            EchoCell.BIG})
        {
            final int length = EchoCell.request(b, template, 5);
            assertTrue(check.check(b, 0, length), check.problem());
        }
        final int length = EchoCell.request(b, EchoCell.ECHO, 5);
        assertFalse(check.check(b, 0, length - 1), "a block of 8 needs 8 bytes");
    }
}
