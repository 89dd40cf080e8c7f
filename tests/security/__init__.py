"""Security regressions (issue 13): one test module per finding group, each failing on the code before it."""
