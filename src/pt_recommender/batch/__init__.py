"""Batch export: reading inputs, safe cells, the shared export core, the command and its engines."""
