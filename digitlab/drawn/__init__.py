"""Pen drawings as people make them on the canvas: the data sets, drawing them on a canvas, and scoring a
model on them (the one drawn-accuracy harness)."""
