package dev.cell.runtime.service;

import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.session.Protocol;
import dev.cell.sbe.codecs.RejectCode;

/**
 * The instance's judgement of a Hello: whether the client speaks its protocol, wants its cell, and was built against
 * a compatible genome (each handler it names, or the whole fingerprint).
 */
final class Handshakes
{
    /**
     * Why a Hello is refused.
     *
     * @param code   the reject code.
     * @param reason for the client.
     */
    record Refusal(RejectCode code, String reason)
    {
    }

    private Handshakes()
    {
    }

    /**
     * @return null to welcome the client, else why not.
     */
    static Refusal judge(
        final ServerContext ctx,
        final long clientFingerprint,
        final int protocolVersion,
        final String cell,
        final String handlers)
    {
        if (protocolVersion != Protocol.PROTOCOL_VERSION)
        {
            return new Refusal(RejectCode.BAD_HELLO, "client speaks protocol version " + protocolVersion +
                ", this instance speaks " + Protocol.PROTOCOL_VERSION);
        }
        if (!ctx.cellName().equals(cell))
        {
            return new Refusal(RejectCode.WRONG_CELL, "this instance serves cell '" + ctx.cellName() + "', not '" +
                cell + "'");
        }
        if (!handlers.isEmpty())
        {
            final String incompatible = incompatibleHandlers(ctx, handlers);
            return incompatible == null ? null : new Refusal(RejectCode.SCHEMA_MISMATCH, incompatible);
        }
        if (clientFingerprint != 0 && clientFingerprint != ctx.fingerprint())
        {
            return new Refusal(RejectCode.SCHEMA_MISMATCH, "client was built against genome " +
                Genome.fingerprintHex(clientFingerprint) + " of cell '" + ctx.cellName() + "', instance " +
                ctx.instanceId() + " runs " + Genome.fingerprintHex(ctx.fingerprint()));
        }
        return null;
    }

    /**
     * @param handlers the Hello's {@code name=fingerprint,...} list.
     * @return null when every named handler serves the shape the client was built against, else why not (naming
     * each handler, the client's and this instance's handler fingerprints).
     */
    private static String incompatibleHandlers(final ServerContext ctx, final String handlers)
    {
        final Genome genome = ctx.genome();
        StringBuilder problems = null;
        for (final String pair : handlers.split(","))
        {
            final int eq = pair.indexOf('=');
            final String name = eq < 0 ? pair : pair.substring(0, eq);
            final String theirs = eq < 0 ? "" : pair.substring(eq + 1);
            final Genome.Handler h = genome.handler(name);
            final String problem;
            if (h == null)
            {
                problem = "handler '" + name + "' does not exist in cell '" + ctx.cellName() + "' " + genome.version();
            }
            else if (!h.accepts(theirs))
            {
                problem = "handler '" + name + "' was built against shape " + theirs + ", instance " +
                    ctx.instanceId() + " serves " + h.fingerprint() + " (compatible with: " +
                    (h.compatible().isEmpty() ? "none older" : String.join(", ", h.compatible())) + ")";
            }
            else
            {
                continue;
            }
            if (problems == null)
            {
                problems = new StringBuilder("incompatible handlers of cell '" + ctx.cellName() + "': ");
            }
            else
            {
                problems.append("; ");
            }
            problems.append(problem);
        }
        return problems == null ? null : problems.toString();
    }
}
