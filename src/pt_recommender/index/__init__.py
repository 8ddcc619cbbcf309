"""The index layer: checksummed generations of plain files, vectors (FAISS/NumPy), BM25."""
