"""Text handling shared by the index and the ranking: normalisation, tokens, glossary, resource texts."""
