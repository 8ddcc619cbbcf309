"""Streamlit entry point in a checkout: `streamlit run app.py` (the app lives in the package)."""

from pt_recommender.ui.app import main

main()
