"""Advisor dashboard (Streamlit + Altair, in French): talks to the scoring API only, imports no other stage."""
