package demo;

import java.util.List;

/**
 * A fill, with nested tags.
 */
record Fill(int qty, Money price, List<Tag> tags, String venue)
{
}
