package dev.cell.compiler.deps;

import dev.cell.compiler.RemoteSources;
import dev.cell.runtime.genome.Genome;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compatibility of a newer genome with consumers built against an older one, per handler and field, by SBE's
 * evolution rules: an optional field added at the end ({@code @Since}), a new handler or a new message is compatible;
 * a removed, renamed or retyped field or handler, or a new required field, is breaking.
 *
 * @since 0.2
 */
public final class GenomeDiff
{
    /**
     * One handler's verdict.
     *
     * @param handler  the handler.
     * @param breaking whether consumers of the old shape break.
     * @param summary  unchanged, compatible change, new handler, removed...
     * @param changes  the field-level changes, one line each.
     */
    public record HandlerDiff(String handler, boolean breaking, String summary, List<String> changes)
    {
    }

    private GenomeDiff()
    {
    }

    /**
     * @param older the genome consumers were built against.
     * @param newer the genome they would now talk to.
     * @return one verdict per handler of either, sorted by name.
     */
    public static List<HandlerDiff> diff(final Genome older, final Genome newer)
    {
        final RemoteSources.Schema a = RemoteSources.parse(older.schemaXml());
        final RemoteSources.Schema b = RemoteSources.parse(newer.schemaXml());
        final Map<String, HandlerDiff> result = new java.util.TreeMap<>();
        final boolean majorChanged = older.major() != newer.major();
        for (final Genome.Handler h : older.handlers())
        {
            final Genome.Handler n = newer.handler(h.name());
            if (n == null)
            {
                result.put(h.name(), new HandlerDiff(h.name(), true, "removed", List.of()));
                continue;
            }
            final List<String> changes = new ArrayList<>();
            boolean breaking = false;
            breaking |= fields("request", a.messages().get(h.requestMessage()), b.messages().get(n.requestMessage()),
                changes);
            breaking |= fields("result", a.messages().get(h.responseMessage()), b.messages().get(n.responseMessage()),
                changes);
            for (final String e : n.errors())
            {
                if (!h.errors().contains(e))
                {
                    changes.add("error " + e + ": added (an older client cannot decode it)");
                    breaking = true;
                }
            }
            for (final String e : h.errors())
            {
                if (!n.errors().contains(e))
                {
                    changes.add("error " + e + ": no longer declared (compatible)");
                }
            }
            if (h.requestTemplateId() != n.requestTemplateId() || h.responseTemplateId() != n.responseTemplateId())
            {
                changes.add("template ids " + h.requestTemplateId() + "/" + h.responseTemplateId() + " -> " +
                    n.requestTemplateId() + "/" + n.responseTemplateId());
                breaking = true;
            }
            if (majorChanged)
            {
                changes.add("major version " + older.major() + " -> " + newer.major() + ": served under another " +
                    "name ('" + newer.servedName() + "'), consumers must opt in");
                breaking = true;
            }
            // The fingerprints decide in the end: the instance accepts exactly the shapes it lists.
            if (!breaking && !n.accepts(h.fingerprint()))
            {
                breaking = true;
                changes.add("handler fingerprint " + h.fingerprint() + " is not among the shapes it serves (" +
                    n.fingerprint() + (n.compatible().isEmpty() ? "" : ", " + String.join(", ", n.compatible())) +
                    ")");
            }
            final String summary = breaking ? "BREAKING" : h.fingerprint().equals(n.fingerprint()) ? "unchanged" :
                "compatible";
            result.put(h.name(), new HandlerDiff(h.name(), breaking, summary, List.copyOf(changes)));
        }
        for (final Genome.Handler n : newer.handlers())
        {
            if (older.handler(n.name()) == null)
            {
                result.put(n.name(), new HandlerDiff(n.name(), false, "new handler (compatible)", List.of()));
            }
        }
        return List.copyOf(result.values());
    }

    /**
     * @return true when a field change breaks consumers of the old shape.
     */
    private static boolean fields(
        final String what, final List<RemoteSources.Field> older, final List<RemoteSources.Field> newer,
        final List<String> changes)
    {
        boolean breaking = false;
        final Map<String, RemoteSources.Field> byName = new LinkedHashMap<>();
        for (final RemoteSources.Field f : newer)
        {
            byName.put(f.name(), f);
        }
        final Map<String, RemoteSources.Field> oldByName = new LinkedHashMap<>();
        for (final RemoteSources.Field f : older)
        {
            oldByName.put(f.name(), f);
            final RemoteSources.Field n = byName.get(f.name());
            if (n == null)
            {
                changes.add(what + " field '" + f.name() + "' (" + type(f) + "): removed or renamed — BREAKING");
                breaking = true;
            }
            else if (!type(f).equals(type(n)))
            {
                changes.add(what + " field '" + f.name() + "': " + type(f) + " -> " + type(n) + " — BREAKING");
                breaking = true;
            }
            else if (f.kind().equals("group"))
            {
                breaking |= fields(what + " list '" + f.name() + "'", f.fields(), n.fields(), changes);
            }
        }
        for (final RemoteSources.Field n : newer)
        {
            if (!oldByName.containsKey(n.name()))
            {
                if (n.since() > 0)
                {
                    changes.add(what + " field '" + n.name() + "' (" + type(n) + "): optional, added at schema " +
                        "version " + n.since() + " — compatible");
                }
                else
                {
                    changes.add(what + " field '" + n.name() + "' (" + type(n) + "): added as required (no @Since) " +
                        "— BREAKING");
                    breaking = true;
                }
            }
        }
        return breaking;
    }

    private static String type(final RemoteSources.Field f)
    {
        return f.kind().equals("group") ? "list" : f.type();
    }
}
