package dev.cell.runtime.genome;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenomeSchemaTextTest
{
    private static final String SCHEMA = "<?xml version=\"1.0\"?><sbe:messageSchema " +
        "xmlns:sbe=\"http://fixprotocol.io/2016/sbe\" id=\"1\" version=\"0\"/>";

    private static Genome genome(final String schema)
    {
        return new Genome("c", "1.0.0", "0000000000000001", 1, 0, List.of(), List.of(), schema);
    }

    @Test
    void aSchemaWithADocumentTypeFromAnotherProcessIsRefusedBeforeAnyParserSeesIt()
    {
        final String xxe = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" +
            SCHEMA.substring(SCHEMA.indexOf("?>") + 2);
        final IllegalArgumentException refused =
            assertThrows(IllegalArgumentException.class, () -> Genome.fromJson(genome(xxe).toJson()));
        assertTrue(refused.getMessage().contains("document type"), refused.getMessage());
        assertEquals(SCHEMA, Genome.fromJson(genome(SCHEMA).toJson()).schemaXml());
    }
}
