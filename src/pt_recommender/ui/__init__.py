"""The surfaces people use: the Streamlit app (needs the `app` extra)."""
