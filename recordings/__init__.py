"""How it is recorded: segments, the fragment index, gaps, episodes, retention and jobs."""
