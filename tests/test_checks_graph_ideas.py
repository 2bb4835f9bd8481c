"""The check of notebook 04's second exercise: right answers pass, each mistake gets its message."""
import pytest
from verdicts import assert_messages_differ, assert_row, rows, short_guard  # noqa: F401

from course_utils.checks import check_reached_by
from course_utils.engine import children_of, topological_order

# -- right answers, written differently ---------------------------------------------------------


def in_topological_order(leaf, output):
    reached = set()
    for node in topological_order(output):
        if any(parent is leaf or parent in reached for parent in node.parents):
            reached.add(node)
    return reached


def down_the_children(leaf, output):
    """Depth first along the children, which the student collects from the parents."""
    children, reached = children_of(topological_order(output)), set()

    def visit(node):
        for child, _ in children[node]:
            if child not in reached:
                reached.add(child)
                visit(child)
    visit(leaf)
    return reached


def depends_on_the_leaf(leaf, output):
    """A list, no duplicates: every node whose own graph holds the leaf."""
    return [node for node in topological_order(output)
            if node is not leaf and leaf in topological_order(node)]


def breadth_first_as_a_tuple(leaf, output):
    children = children_of(topological_order(output))
    seen, queue = [], [leaf]
    while queue:
        for child, _ in children[queue.pop(0)]:
            if child not in seen:
                seen.append(child)
                queue.append(child)
    return tuple(seen)


# -- wrong answers ------------------------------------------------------------------------------

def with_the_leaf(leaf, output):
    return in_topological_order(leaf, output) | {leaf}


def only_the_children(leaf, output):
    return {node for node in topological_order(output) if leaf in node.parents}


def without_the_output(leaf, output):
    return in_topological_order(leaf, output) - {output}


def backwards(leaf, output):
    return set(topological_order(leaf)) - {leaf}


def every_computed_node(leaf, output):
    return {node for node in topological_order(output) if node.op is not None}


LECTURE = {"w": ("z", "y", "L", "R", "L_reg"), "x": ("z", "y", "L", "L_reg"),
           "b": ("z", "y", "L", "L_reg"), "t": ("L", "L_reg")}


def hard_coded(leaf, output):
    """The lecture's answers read off the picture: right there, lost on any other graph."""
    return {node for node in topological_order(output) if node.name in LECTURE[leaf.name]}


def names_not_nodes(leaf, output):
    return {node.name for node in in_topological_order(leaf, output)}


def forgot_to_return(leaf, output):
    in_topological_order(leaf, output)


def every_path(leaf, output):
    """Depth first without remembering: e is listed once per path from a."""
    children, found = children_of(topological_order(output)), []

    def visit(node):
        for child, _ in children[node]:
            found.append(child)
            visit(child)
    visit(leaf)
    return found


def changes_the_leaf(leaf, output):
    """Finds the nodes by changing the leaf and watching the values, and leaves it changed."""
    before = {node: float(node.value) for node in topological_order(output)}
    leaf.value = leaf.value + 1.0
    output.forward()
    return {node for node in topological_order(output)
            if node is not leaf and float(node.value) != before[node]}


REMEMBERED = set()


def with_a_global(leaf, output):
    REMEMBERED.update(in_topological_order(leaf, output))
    return REMEMBERED


def with_a_default_set(leaf, output, reached=set()):  # noqa: B006 (the mistake under test)
    for node in topological_order(output):
        if any(parent is leaf or parent in reached for parent in node.parents):
            reached.add(node)
    return reached


def never_done(leaf, output):
    """The queue is read but never emptied."""
    children, reached, queue = children_of(topological_order(output)), set(), [leaf]
    while queue:
        for child, _ in children[queue[0]]:
            reached.add(child)
    return reached


def asks_for_children(leaf, output):
    return set(leaf.children)


REACHED_BY = [
    (in_topological_order, "correct", ["z, y, L, R, L_reg"]),
    (down_the_children, "correct", []),
    (depends_on_the_leaf, "correct", []),
    (breadth_first_as_a_tuple, "correct", []),
    (with_the_leaf, "wrong", ["holds w, which the change does not reach", "leaf itself"]),
    (only_the_children, "wrong", ["misses y, L, L_reg", "only the leaf's children"]),
    (without_the_output, "wrong", ["misses L_reg", "output is reached too"]),
    (backwards, "wrong", ["misses", "followed backwards"]),
    (every_computed_node, "wrong", ["leaf x", "holds R", "every computed node"]),
    (hard_coded, "wrong", ["a diamond, leaf a", "KeyError"]),
    (names_not_nodes, "wrong", ["holds a str", "not their names"]),
    (forgot_to_return, "wrong", ["returned None"]),
    (every_path, "wrong", ["leaf w", "L_reg appears more than once"]),
    (changes_the_leaf, "wrong", ["changed its input", "list of node values"]),
    (with_a_global, "wrong", ["leaf x", "earlier call"]),
    (with_a_default_set, "wrong", ["earlier call"]),
    (never_done, "wrong", ["did not finish"]),
    (asks_for_children, "wrong", ["AttributeError", "node.parents"]),
]


@pytest.mark.parametrize("answer, status, words", rows(REACHED_BY))
def test_reached_by(answer, status, words, short_guard):  # noqa: F811
    REMEMBERED.clear()
    assert_row(check_reached_by, answer, status, words)


def test_reached_by_messages_differ(short_guard):  # noqa: F811
    """Different mistakes, different messages; a default set is the global set's mistake (nodes
    kept from an earlier call), told alike, so only one of the two is compared."""
    REMEMBERED.clear()
    assert_messages_differ(check_reached_by,
                           [row for row in REACHED_BY if row[0] is not with_a_default_set])


def test_nudging_the_leaf_and_watching_the_values_misses_a_product_with_zero():
    """A node is reached when it is computed from the leaf: nudging the leaf and listing the
    values that move misses m = w·z where z = 0."""
    import numpy as np

    from course_utils.engine import topological_order

    def nudged(leaf, output):
        order = topological_order(output)
        before = {n: np.array(n.value) for n in order}
        old = np.array(leaf.value)
        leaf.value = old + 0.123
        output.forward()
        moved = {n for n in order if n is not leaf and not np.array_equal(before[n], n.value)}
        leaf.value = old
        output.forward()
        return moved

    verdict = check_reached_by(nudged, show=False)
    assert verdict.status == "wrong" and "z = 0" in verdict.message, repr(verdict)
    assert "misses m, out" in verdict.message, repr(verdict)
    # right on the other graphs: no row that finds nothing on this one explains it
    assert "Hint" not in verdict.message, repr(verdict)
