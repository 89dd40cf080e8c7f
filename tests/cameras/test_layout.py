"""The layout plan: cameras stay where they are unless their node cannot hold them."""

from cameras.layout import NodeCapacity, Spot, counts, plan


def nodes(**caps):
    return {name: NodeCapacity(name, takes, limit) for name, (takes, limit) in caps.items()}


def test_cameras_stay_on_a_node_that_can_hold_them():
    spots = [Spot(1, "a", None), Spot(2, "b", None), Spot(3, "a", None)]
    assert plan(nodes(a=(True, None), b=(True, None)), spots) == {1: "a", 2: "b", 3: "a"}


def test_a_draining_node_s_cameras_go_to_the_emptiest_nodes():
    spots = [Spot(1, "a", None), Spot(2, "a", None), Spot(3, "b", None), Spot(4, "a", None)]
    placed = plan(nodes(a=(False, None), b=(True, None), c=(True, None)), spots)
    assert placed[3] == "b" and counts(placed) == {"b": 2, "c": 2}


def test_a_channel_limit_keeps_the_first_cameras_and_moves_the_rest():
    spots = [Spot(i, "a", None) for i in range(1, 5)]
    assert counts(plan(nodes(a=(True, 1), b=(True, None)), spots)) == {"a": 1, "b": 3}


def test_a_pin_wins_when_its_node_takes_cameras_and_is_ignored_when_it_does_not():
    spots = [Spot(1, "b", "a"), Spot(2, None, "c")]
    assert plan(nodes(a=(True, None), b=(True, None), c=(False, None)), spots) == {1: "a", 2: "b"}


def test_no_node_with_room_leaves_a_camera_undistributed():
    assert plan(nodes(a=(True, 1)), [Spot(1, "a", None), Spot(2, None, None)]) == {1: "a", 2: None}


def test_labelled_cameras_go_only_to_nodes_carrying_their_labels():
    north = (("site", "north"),)
    spots = [Spot(1, "a", None, north), Spot(2, None, None, north), Spot(3, None, None)]
    capacities = {
        "a": NodeCapacity("a", True, None, ()),
        "b": NodeCapacity("b", True, None, north + (("disk", "ssd"),)),
    }
    placed = plan(capacities, spots)
    assert placed[1] == "b" and placed[2] == "b" and placed[3] == "a"
    assert plan({"a": capacities["a"]}, [Spot(1, None, None, north)]) == {1: None}
