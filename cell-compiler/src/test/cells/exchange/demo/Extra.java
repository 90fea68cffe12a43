package demo;

import java.util.List;

/**
 * A nested record holding a group and var data.
 */
record Extra(String note, List<Tag> tags, Side side2)
{
}
