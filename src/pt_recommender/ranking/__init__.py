"""The ranking layer: query analysis, the named scoring steps, diversity and the explanation."""
