"""Tests of the integrator-facing API dialects."""
