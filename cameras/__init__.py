"""What to record: cameras and their inputs, presets, mosaics and recording nodes."""
