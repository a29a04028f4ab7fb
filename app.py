"""DigitLab: draw a digit and watch a CNN recognise it live; the sidebar leads inside the network.

`streamlit run app.py`. This script only names the pages and the session's language (`digitlab.navigation`) and
runs the page the address asks for; the draw page is `app_pages/0_Draw_a_digit.py`.
"""

from digitlab import navigation

navigation.run()
