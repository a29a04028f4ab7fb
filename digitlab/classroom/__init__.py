"""Classroom mode: a class draws on their phones and the projector shows how the network reads their handwriting.

`store` keeps the class's drawings in a SQL database; `prompts` picks what each student draws next; `stats` is what
the projector shows; `export` writes the class's data set; `joining` is the join address, its QR code and the
teacher's key. None of them imports Streamlit.
"""
