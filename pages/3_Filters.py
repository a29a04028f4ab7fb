"""Filters: the kernels every convolution layer learned, and what they pick out of the drawing."""

import streamlit as st

from digitlab import ui, visualize

st.set_page_config(page_title="DigitLab · Filters", page_icon=":material/filter_alt:", layout="wide")
st.title("Filters: what the network looks for")

model = ui.require_model()
image = ui.network_input()
maps = visualize.feature_maps(model, image)
first, *deeper = visualize.conv_layers(model)

st.markdown(
    "A **filter** (or kernel) is a small grid of numbers, its *weights*, that the network learned during training. "
    "Nobody designed them: they started random and were nudged, image after image, towards whatever helped to "
    "recognise digits. In the pictures **red is a positive weight, blue a negative one and white zero**. "
    "Sliding the filter over the image and adding up *pixel × weight* everywhere is a **convolution**: the "
    "response is bright where the image looks like red-on-the-stroke, blue-off-the-stroke."
)

kernels = visualize.conv_kernels(model, first)
st.header(f"First layer ({first}): {kernels.shape[-1]} filters of {kernels.shape[0]}×{kernels.shape[1]} pixels")
st.caption(
    "Each filter (left of a pair) beside its response to the input above, after ReLU (right). Filters with red "
    "along one direction and blue beside it find edges and strokes of that direction."
)
st.image(visualize.kernel_response_grid(kernels, maps[first], columns=4, cell=96), width="stretch")

st.header("Deeper layers: filters that combine maps")
st.markdown(
    "A deeper filter does not look at pixels but at *all* the maps of the layer before: it has one 3×3 slice per "
    "input channel and adds up what every slice finds. So it can respond to combinations, such as a horizontal "
    "stroke above a vertical one. The strength (norm) of each slice shows which earlier maps a filter listens to."
)
layer_name = st.radio("Layer", deeper, horizontal=True, key="filters_layer")
kernels = visualize.conv_kernels(model, layer_name)
st.caption(f"{layer_name}: {kernels.shape[-1]} filters, each {visualize.describe_shape(kernels.shape[:3])}")

norms_column, heatmap_column = st.columns(2, gap="large")
with norms_column:
    st.markdown("**Weight norm of each filter** (how strong its weights are overall)")
    st.altair_chart(ui.norms_chart(visualize.kernel_norms(kernels), "Weight norm"), width="stretch")
with heatmap_column:
    st.markdown("**Slice norms**: how much each filter (row) uses each map of the layer before (column)")
    st.altair_chart(ui.slice_norms_heatmap(visualize.slice_norms(kernels)), width="stretch")

default = visualize.strongest_channel(maps[layer_name])
index = ui.channel_slider("Filter", kernels.shape[-1], default, key=f"filter_{layer_name}")
slices_column, response_column = st.columns([3, 1], gap="large")
with slices_column:
    st.markdown(f"**Filter {index}**: its 3×3 slice for each of the {kernels.shape[2]} input channels")
    st.image(visualize.filter_slices(kernels, index, columns=8, cell=60))
with response_column:
    response = maps[layer_name][..., index]
    st.markdown(f"**Its response** ({response.shape[0]}×{response.shape[1]}, after ReLU)")
    st.image(visualize.map_image(response, *visualize.value_range(response), 260))
