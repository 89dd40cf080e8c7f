"""Django glue around the media pipeline: leases, the index writer, recovery and the supervisor."""
