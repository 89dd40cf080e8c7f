"""The packed fragment index round-trips exactly and refuses a truncated blob."""

import pytest

from recordings.media.index import FragmentRecord, pack_fragments, unpack_fragments
from tests.factories import SegmentFactory


def sample() -> list[FragmentRecord]:
    return [
        FragmentRecord(start_us=0, duration_us=1_000_000, byte_offset=812, size=140_211, is_key=True),
        FragmentRecord(
            start_us=1_000_000, duration_us=960_000, byte_offset=141_023, size=98_004, is_key=False
        ),
        FragmentRecord(start_us=1_960_000, duration_us=40_000, byte_offset=5 * 2**32, size=1, is_key=True),
    ]


def test_fragments_round_trip_through_the_packed_index():
    assert unpack_fragments(pack_fragments(sample())) == sample()


def test_a_truncated_index_is_refused():
    with pytest.raises(ValueError):
        unpack_fragments(pack_fragments(sample())[:-3])


@pytest.mark.django_db
def test_a_segment_stores_and_returns_its_fragments():
    segment = SegmentFactory(fragment_index=pack_fragments(sample()), fragment_count=3)
    segment.refresh_from_db()
    assert segment.fragments() == sample()
    assert segment.duration.total_seconds() == 60
