"""The file Streamlit runs: ``streamlit run app.py -- [dashboard options]``."""

from colloquy.services.dashboard.entry import main

main()
