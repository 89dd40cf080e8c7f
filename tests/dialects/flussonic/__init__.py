"""Tests of the Flussonic Watcher dialects."""
