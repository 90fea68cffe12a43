package dev.cell.registry;

import java.util.List;

/**
 * Who owns a name.
 *
 * @param registeredIndex the log index of its first registration (0: nobody owns it).
 * @param owners          the keys that may announce instances under it.
 */
public record Owners(long registeredIndex, List<Owner> owners)
{
}
